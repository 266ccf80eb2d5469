// The ticket's short code for typing (attendance/codes.py, the same rules): nine characters from an
// alphabet without look-alikes, the last one a check character that catches any single mistyped
// character and any swap of two neighbours. Checked here too, so a typo is caught offline.

export const ALPHABET = "23456789ABCDEFGHJKMNPQRSTWXYZ";
export const LENGTH = 9;
const MODULUS = ALPHABET.length; // 29, prime

export function normaliseCode(text) {
  return (text || "").replace(/[\s\-.·_/]+/g, "").toUpperCase();
}

// Meant as a short code (not a QR payload): short, letters and digits only once separators are gone.
export function looksLikeCode(text) {
  const cleaned = normaliseCode(text);
  return cleaned.length > 0 && cleaned.length <= LENGTH + 2 && /^[A-Z0-9]+$/.test(cleaned) && (text || "").length <= 20;
}

export function isValidCode(text) {
  const code = normaliseCode(text);
  if (code.length !== LENGTH) return false;
  let total = 0;
  for (let i = 0; i < code.length; i++) {
    const value = ALPHABET.indexOf(code[i]);
    if (value < 0) return false;
    total += (i + 1) * value;
  }
  return total % MODULUS === 0;
}
