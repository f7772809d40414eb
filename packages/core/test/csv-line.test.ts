import { stringify } from 'csv-stringify/sync';
import fc from 'fast-check';
import { expect, it } from 'vitest';
import { csvLine, neutralizeFormula } from '../src/export-format.js';

// Cells made mostly of the characters CSV quoting is about, so the interesting cases are common.
const cell = fc.oneof(
  fc.string({ unit: 'binary' }),
  fc.string({ unit: fc.constantFrom(',', '"', '\r', '\n', '=', '+', '-', '@', '\t', 'a', ' ') }),
);

it('writes exactly what csv-stringify (RFC 4180, CRLF) writes for any cells, formulas neutralised', () => {
  fc.assert(
    fc.property(fc.array(cell, { minLength: 1, maxLength: 14 }), (cells) => {
      const reference = stringify([cells.map(neutralizeFormula)], {
        record_delimiter: 'windows',
        // Without this, csv-stringify leaves a lone "\n" or "\r" unquoted once the record
        // delimiter is CRLF, and a reader splits the record there (RFC 4180 quotes every line break).
        quote_record_delimiter: true,
        eof: true,
      });
      expect(csvLine(cells)).toBe(reference);
    }),
    { numRuns: 5000 },
  );
});

it('quotes lone line breaks, so a user agent cannot start a forged record', () => {
  expect(csvLine(['a\nforged,row', 'b\rc', 'd'])).toBe('"a\nforged,row","b\rc",d\r\n');
});
