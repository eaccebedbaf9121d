/**
 * The throwaway MIT realm (peers/mit-realm.ts): it starts, takes a user, kinit gets a TGT klist
 * shows, and stop() leaves neither the KDC nor the dir behind.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describeWithPeers } from './peers/availability';
import { startMitRealm } from './peers/mit-realm';

function running(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

describeWithPeers(['mit-krb5'], 'a throwaway MIT Kerberos realm', () => {
  test('kinit gets a TGT klist shows; stop() kills the KDC and removes the dir', async () => {
    const realm = await startMitRealm({ realm: 'SMOKE.TEST' });
    let kdcPid = 0;
    try {
      expect(realm.kdc).toBe(`127.0.0.1:${realm.port}`);
      expect(process.env.KRB5_CONFIG).not.toBe(realm.krb5ConfPath);
      kdcPid = Number(readFileSync(join(realm.dir, 'kdc.pid'), 'utf8').trim());
      expect(running(kdcPid)).toBe(true);
      await realm.addUser('alice', 'Alice-Smoke-1');
      const ccache = await realm.kinit('alice', 'Alice-Smoke-1');
      const { stdout } = await realm.run('klist', ['-c', `FILE:${ccache}`]);
      expect(stdout).toContain('Default principal: alice@SMOKE.TEST');
      expect(stdout).toContain('krbtgt/SMOKE.TEST@SMOKE.TEST');
      await expect(realm.kinit('alice', 'wrong-password')).rejects.toThrow(/kinit/);
      const keytab = await realm.addService('HTTP/smoke.test');
      const listed = await realm.run('klist', ['-k', keytab]);
      expect(listed.stdout).toContain('HTTP/smoke.test@SMOKE.TEST');
    } finally {
      await realm.stop();
    }
    expect(running(kdcPid)).toBe(false);
    expect(existsSync(realm.dir)).toBe(false);
  });

  test('a query kadmin.local refuses rejects with its message, passwords kept out of it', async () => {
    const realm = await startMitRealm();
    try {
      await expect(realm.kadmin('getprinc nobody')).rejects.toThrow(/nobody|not exist/i);
      await realm.addUser('dave', 'Dave-Pass-1');
      const duplicate = realm.addUser('dave', 'Dave-Pass-1');
      await expect(duplicate).rejects.toThrow(/already exists/);
      await expect(duplicate).rejects.not.toThrow(/Dave-Pass-1/);
      await expect(realm.addUser('erin', 'two words')).rejects.toThrow(/one word/);
    } finally {
      await realm.stop();
    }
  });
});
