/** Text helpers the drawings and the HTML report share. */

/** `s` safe inside XML or HTML text and double-quoted attributes. */
export function escapeXml(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

/** Seconds with as many decimals as their size needs: 123, 4.56, 0.789. */
export function formatSeconds(s: number): string {
  return s >= 100 ? s.toFixed(0) : s >= 1 ? s.toFixed(2) : s.toFixed(3);
}
