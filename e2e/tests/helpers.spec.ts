// The helpers' own logic, no server needed.
import { codeIn, expect, test } from './helpers';

test('codeIn finds the 6-digit code of an SMS text and nothing in a phone number', () => {
  expect(codeIn('Your enrollment code is 482913. It expires in 10 minutes.')).toBe('482913');
  expect(codeIn('482913 is your code')).toBe('482913');
  expect(codeIn('Call +33612345678 for help')).toBeUndefined();
  expect(codeIn('12345 is too short')).toBeUndefined();
});
