#!/usr/bin/python3
"""A GSSAPI peer for interop tests: MIT GSSAPI through python3-gssapi, with gss-ntlmssp's NTLM
(raw or under SPNEGO) or MIT's Kerberos (raw krb5, RFC 1964/4121, or under SPNEGO).

Runs one security context, as initiator or acceptor, driven by JSON lines on stdin/stdout so a
test can relay tokens between it and the implementation under test.

  gss_peer.py --role initiator|acceptor --mech ntlm|spnego|krb5
              [--target SERVICE@HOST] [--mutual] [--deleg] [--store-deleg CCACHE]

  --target       the initiator's target, a host-based service name (GSS_C_NT_HOSTBASED_SERVICE);
                 default HTTP@localhost (NTLM only echoes it in MsvAvTargetName).
  --mutual       request mutual authentication (always requested with --mech krb5).
  --deleg        request delegation (GSS_C_DELEG_FLAG): a forwarded TGT in the authenticator.
  --store-deleg  acceptor: store a delegated credential, when one arrives, into this ccache.

NTLM credentials come from the file named by NTLM_USER_FILE, one 'DOMAIN:USER:PASSWORD' per line:
  initiator  gss-ntlmssp's default credentials: the file's (single) entry. Credentials acquired
             with gss_acquire_cred_with_password are not used: SPNEGO (MIT krb5 1.20) cannot
             negotiate with them ("SPNEGO cannot find mechanisms to negotiate"), and with
             NTLM_USER_FILE set gss-ntlmssp takes the file's password over the one given.
  acceptor   the users it accepts.
Kerberos credentials come from MIT's environment (KRB5_CONFIG for the realm):
  initiator  the TGT in the ccache KRB5CCNAME names.
  acceptor   the keys in the keytab KRB5_KTNAME names.
With --mech spnego both sets are offered, and SPNEGO takes whichever the two ends share.

Protocol (one JSON object per line; tokens and data are base64):
  initiator prints {"token": T, "complete": false} at start; acceptor prints {"ready": true}.
  in  {"token": T}                 out {"token": T|null, "complete": bool, ...}
      when complete the answer also carries "peer" (on the acceptor the initiator's name, on the
      initiator the target's), "mech" (the negotiated mechanism's dotted OID), "flags" (the GSS
      context flags, a number) and "flagNames", "sessionKey" (the SSPI session key) when the
      mechanism gives one, and on the acceptor "delegated" (whether a delegated credential came).
  in  {"wrap": D}                  out {"wrapped": W}           (gss_wrap with confidentiality)
  in  {"wrap": D, "conf": false}   out {"wrapped": W}           (gss_wrap, integrity only)
  in  {"unwrap": W}                out {"unwrapped": D, "confidential": bool}
  in  {"getMic": D}                out {"mic": M}               (gss_get_mic)
  in  {"verifyMic": D, "mic": M}   out {"verified": true}       (gss_verify_mic)
  any failure                      out {"error": text, "major": n, "minor": n}, exit status 2.
"""
import argparse
import base64
import json
import sys

import gssapi
import gssapi.raw as gss_raw

# MS-NLMP's NTLMSSP mechanism, SPNEGO (RFC 4178) and Kerberos V5 (RFC 1964 / RFC 4121).
MECH_OIDS = {
    'ntlm': gssapi.OID.from_int_seq('1.3.6.1.4.1.311.2.2.10'),
    'spnego': gssapi.OID.from_int_seq('1.3.6.1.5.5.2'),
    'krb5': gssapi.OID.from_int_seq('1.2.840.113554.1.2.2'),
}
# The initiator's default target (a host-based service name).
TARGET = 'HTTP@localhost'
# GSS_C_INQ_SSPI_SESSION_KEY: the key SSPI's SECPKG_ATTR_SESSION_KEY returns.
SSPI_SESSION_KEY_OID = gssapi.OID.from_int_seq('1.2.840.113554.1.2.2.5.5')


def emit(obj):
    sys.stdout.write(json.dumps(obj) + '\n')
    sys.stdout.flush()


def b64(data):
    return base64.b64encode(data).decode('ascii') if data is not None else None


def context_summary(ctx, is_initiator, store_deleg):
    flags = ctx.actual_flags
    summary = {
        'flags': int(flags),
        'flagNames': sorted(flag.name for flag in gssapi.RequirementFlag if flag in flags),
        'mech': ctx.mech.dotted_form if ctx.mech is not None else None,
    }
    if is_initiator:
        summary['peer'] = str(ctx.target_name)
    else:
        # gss-ntlmssp 1.2 ends the displayed name with a NUL.
        summary['peer'] = str(ctx.initiator_name).rstrip('\x00')
        delegated = ctx.delegated_creds
        summary['delegated'] = delegated is not None
        if delegated is not None and store_deleg:
            gss_raw.store_cred_into({b'ccache': ('FILE:' + store_deleg).encode()}, delegated,
                                    usage='initiate', overwrite=True, set_default=False)
    try:
        key = gss_raw.inquire_sec_context_by_oid(ctx, SSPI_SESSION_KEY_OID)
        if key:
            summary['sessionKey'] = b64(key[0])
    except gssapi.exceptions.GSSError:
        pass
    return summary


def step(ctx, token, is_initiator, store_deleg=None):
    out = ctx.step(token)
    answer = {'token': b64(out) if out else None, 'complete': bool(ctx.complete)}
    if ctx.complete:
        answer.update(context_summary(ctx, is_initiator, store_deleg))
    emit(answer)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument('--role', choices=['initiator', 'acceptor'], required=True)
    parser.add_argument('--mech', choices=sorted(MECH_OIDS), required=True)
    parser.add_argument('--target', default=TARGET)
    parser.add_argument('--mutual', action='store_true')
    parser.add_argument('--deleg', action='store_true')
    parser.add_argument('--store-deleg')
    args = parser.parse_args()
    mech = MECH_OIDS[args.mech]
    is_initiator = args.role == 'initiator'
    want = (gssapi.RequirementFlag.integrity | gssapi.RequirementFlag.confidentiality
            | gssapi.RequirementFlag.replay_detection | gssapi.RequirementFlag.out_of_sequence_detection)
    if args.mutual or args.mech == 'krb5':
        want |= gssapi.RequirementFlag.mutual_authentication
    if args.deleg:
        want |= gssapi.RequirementFlag.delegate_to_peer
    try:
        if is_initiator:
            target = gssapi.Name(args.target, gssapi.NameType.hostbased_service)
            ctx = gssapi.SecurityContext(name=target, creds=None, mech=mech,
                                         flags=want, usage='initiate')
            step(ctx, None, True)
        else:
            ctx = gssapi.SecurityContext(creds=None, usage='accept')
            emit({'ready': True})
        for line in sys.stdin:
            request = json.loads(line)
            if 'token' in request:
                step(ctx, base64.b64decode(request['token']), is_initiator, args.store_deleg)
            elif 'wrap' in request:
                wrapped = ctx.wrap(base64.b64decode(request['wrap']), request.get('conf', True))
                emit({'wrapped': b64(wrapped.message), 'confidential': bool(wrapped.encrypted)})
            elif 'unwrap' in request:
                unwrapped = ctx.unwrap(base64.b64decode(request['unwrap']))
                emit({'unwrapped': b64(unwrapped.message), 'confidential': bool(unwrapped.encrypted)})
            elif 'getMic' in request:
                emit({'mic': b64(ctx.get_signature(base64.b64decode(request['getMic'])))})
            elif 'verifyMic' in request:
                ctx.verify_signature(base64.b64decode(request['verifyMic']), base64.b64decode(request['mic']))
                emit({'verified': True})
            else:
                raise ValueError('unknown request')
    except gssapi.exceptions.GSSError as err:
        emit({'error': str(err).replace('\n', ' '), 'major': err.maj_code, 'minor': err.min_code})
        sys.exit(2)
    except (ValueError, KeyError, json.JSONDecodeError) as err:
        emit({'error': f'{type(err).__name__}: {err}', 'major': 0, 'minor': 0})
        sys.exit(2)


if __name__ == '__main__':
    main()
