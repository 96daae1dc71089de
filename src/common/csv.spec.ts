import { describe, expect, it } from 'vitest';
import { csvField, csvLine } from './csv.js';

describe('csvField', () => {
  it('neutralises text a spreadsheet would run as a formula (OWASP: = + - @ tab CR)', () => {
    expect(csvField('=HYPERLINK("http://x","y")')).toBe(`"'=HYPERLINK(""http://x"",""y"")"`);
    expect(csvField('+1+1')).toBe("'+1+1");
    expect(csvField('-2-3')).toBe("'-2-3");
    expect(csvField('@SUM(A1)')).toBe("'@SUM(A1)");
    expect(csvField('\t=1')).toBe("'\t=1");
    expect(csvField('\r=1')).toBe(`"'\r=1"`);
  });

  it('leaves numbers, plain text and empty values as they are; quotes what RFC 4180 says', () => {
    expect(csvField(-12.5)).toBe('-12.5');
    expect(csvField('-12.5')).toBe('-12.5');
    expect(csvField('-1e-3')).toBe('-1e-3');
    expect(csvField('acme')).toBe('acme');
    expect(csvField('a,b')).toBe('"a,b"');
    expect(csvField(null)).toBe('');
    expect(csvField(true)).toBe('true');
    expect(csvLine(['t-1', 3, null, '=x'])).toBe("t-1,3,,'=x");
  });
});
