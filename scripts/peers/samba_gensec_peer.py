#!/usr/bin/python3
"""Samba's own NTLMSSP client (gensec, from python3-samba) as an interop peer.

ntlm_auth's helper protocols hand out tokens and the session key but cannot seal; gensec can,
so this peer proves sealed messages both ways against Samba's NTLMSSP code.

  samba_gensec_peer.py

Credentials come from the environment (never argv): PEER_USER, PEER_DOMAIN, PEER_PASSWORD.
Samba's settings come from the file named by SAMBA_CONFIG (default: Samba's own default file).

The line protocol is gss_peer.py's (one JSON object per line, base64 payloads), initiator role:
  at start                         out {"token": T, "complete": false}
  in  {"token": T}                 out {"token": T|null, "complete": bool[, "sessionKey": K]}
  in  {"wrap": D}                  out {"wrapped": W, "confidential": true}
  in  {"unwrap": W}                out {"unwrapped": D, "confidential": true}
  any failure                      out {"error": text, "major": 0, "minor": 0}, exit status 2.
"""
import base64
import json
import os
import sys

from samba import NTSTATUSError, gensec, param
from samba.credentials import DONT_USE_KERBEROS, Credentials


def emit(obj):
    sys.stdout.write(json.dumps(obj) + '\n')
    sys.stdout.flush()


def b64(data):
    return base64.b64encode(data).decode('ascii') if data else None


def start_client(target_host):
    lp = param.LoadParm()
    config = os.environ.get('SAMBA_CONFIG')
    if config:
        lp.load(config)
    else:
        lp.load_default()
    creds = Credentials()
    creds.guess(lp)
    creds.set_username(os.environ.get('PEER_USER', ''))
    creds.set_domain(os.environ.get('PEER_DOMAIN', ''))
    creds.set_password(os.environ.get('PEER_PASSWORD', ''))
    creds.set_kerberos_state(DONT_USE_KERBEROS)
    client = gensec.Security.start_client({'lp_ctx': lp, 'target_hostname': target_host})
    client.set_credentials(creds)
    # Sealing implies signing and a session key (MS-NLMP 2.2.2.5 NTLMSSP_NEGOTIATE_SEAL).
    client.want_feature(gensec.FEATURE_SIGN | gensec.FEATURE_SEAL | gensec.FEATURE_SESSION_KEY)
    client.start_mech_by_name('ntlmssp')
    return client


def step(client, token):
    complete, out = client.update(token)
    answer = {'token': b64(out), 'complete': bool(complete)}
    if complete:
        answer['sessionKey'] = b64(client.session_key())
    emit(answer)


def main():
    try:
        client = start_client('localhost')
        step(client, b'')
        for line in sys.stdin:
            request = json.loads(line)
            if 'token' in request:
                step(client, base64.b64decode(request['token']))
            elif 'wrap' in request:
                emit({'wrapped': b64(client.wrap(base64.b64decode(request['wrap']))), 'confidential': True})
            elif 'unwrap' in request:
                emit({'unwrapped': b64(client.unwrap(base64.b64decode(request['unwrap']))), 'confidential': True})
            else:
                raise ValueError('unknown request')
    except NTSTATUSError as err:
        emit({'error': f'NTSTATUS 0x{err.args[0] & 0xffffffff:08x}: {err.args[1]}', 'major': 0, 'minor': err.args[0]})
        sys.exit(2)
    except (ValueError, KeyError) as err:
        emit({'error': f'{type(err).__name__}: {err}', 'major': 0, 'minor': 0})
        sys.exit(2)


if __name__ == '__main__':
    main()
