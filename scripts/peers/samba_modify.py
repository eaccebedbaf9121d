#!/usr/bin/python3
"""Set one attribute of an account in a provisioned Samba AD DC's directory (its sam.ldb), for
what samba-tool has no command for, such as msDS-SupportedEncryptionTypes.

  samba_modify.py SMB_CONF SAMACCOUNTNAME ATTRIBUTE VALUE

Runs as the system session on the local database, as samba-tool does without -H; a running DC
reads the change at its next request. Needs python3-samba (the system python).
"""
import sys

import ldb
from samba.auth import system_session
from samba.param import LoadParm
from samba.samdb import SamDB


def main() -> None:
    conf, account, attribute, value = sys.argv[1:]
    lp = LoadParm()
    lp.load(conf)
    samdb = SamDB(url=lp.private_path('sam.ldb'), session_info=system_session(), lp=lp)
    found = samdb.search(
        base=samdb.domain_dn(),
        scope=ldb.SCOPE_SUBTREE,
        expression=f'(sAMAccountName={ldb.binary_encode(account)})',
        attrs=[],
    )
    if len(found) != 1:
        sys.exit(f'{len(found)} accounts are named {account}')
    change = ldb.Message(found[0].dn)
    change[attribute] = ldb.MessageElement(value, ldb.FLAG_MOD_REPLACE, attribute)
    samdb.modify(change)


if __name__ == '__main__':
    main()
