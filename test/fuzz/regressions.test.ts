/**
 * Every crash the fuzzers found, kept as a test with its input. A file in regressions/ holds
 * `{ "target": <parser name from support/targets.ts>, "input": <hex>, "found": <what broke> }`;
 * the parser must now keep the same property the fuzzer checks.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { credsspTargets } from './support/credssp-targets';
import { kerberosFileTargets } from './support/kerberos-file-targets';
import { kerberosTargets } from './support/kerberos-targets';
import { checkParser } from './support/parser-property';
import { parserTarget } from './support/targets';

interface ParserRegression {
  target: string;
  input: string;
  found: string;
}

const dir = join(__dirname, 'regressions');
const files = readdirSync(dir).filter((f) => f.endsWith('.json') && !f.startsWith('api-'));

describe('parser regressions', () => {
  it('has well-formed regression files', () => {
    for (const file of files) {
      const r = JSON.parse(readFileSync(join(dir, file), 'utf8')) as ParserRegression;
      expect(typeof r.target).toBe('string');
      expect(r.input).toMatch(/^([0-9a-f]{2})*$/);
    }
  });

  // jest refuses an empty table; with no regression files there is nothing to replay.
  (files.length > 0 ? it.each(files) : it.skip.each(['(none)']))('%s keeps the parser property', (file) => {
    const r = JSON.parse(readFileSync(join(dir, file), 'utf8')) as ParserRegression;
    checkParser(
      parserTarget(r.target, [...credsspTargets, ...kerberosTargets, ...kerberosFileTargets]),
      Buffer.from(r.input, 'hex'),
    );
  });
});
