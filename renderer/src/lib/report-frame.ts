/**
 * The report HTML as the report frame shows it (srcdoc, sandboxed without scripts). A srcdoc
 * document resolves relative links against the app's own URL, so the report's contents links
 * (`#summary`, …) would navigate the frame to the app — which refuses to be framed — instead of
 * scrolling. Pointing them at `about:srcdoc#…` keeps them in-page anchors; a `<base>` would do the
 * same but the app's CSP (base-uri 'none') applies to the frame too. The exported file is unchanged.
 */
export function reportFrameDoc(html: string): string {
  return html.replace(/(<a\s[^>]*?href=)(["'])#/gi, '$1$2about:srcdoc#');
}
