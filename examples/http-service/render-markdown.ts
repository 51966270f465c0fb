/**
 * A small markdown-like renderer: `#` headings, `-` lists, fenced code, paragraphs, and inline
 * `code`, **strong**, *emphasis* and [links](https://example.com). It stands in for a real
 * one (markdown-it, marked, remark), and shares a weakness with many hand-written parsers:
 * its emphasis matching looks ahead for a closing `*` from every opening one, so a paragraph
 * of unclosed `*`s (`*a *a *a ...`) costs time quadratic in its length: 100 KB of them take
 * seconds. That is the request a deadline is for (see server.ts: the render's timeout, and
 * the pool's cancelGrace, which replaces a worker whose handler runs on past it).
 */

const ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' }
const escapeHtml = (text: string): string => text.replace(/[&<>"']/g, (char) => ESCAPES[char] as string)

/** Renders `markdown` to HTML. */
export function renderMarkdown(markdown: string): string {
  const html: string[] = []
  let paragraph: string[] = []
  let list: string[] = []
  let code: string[] | undefined
  const flush = (): void => {
    if (paragraph.length > 0) html.push(`<p>${inline(paragraph.join(' '))}</p>`)
    if (list.length > 0) html.push(`<ul>${list.map((item) => `<li>${inline(item)}</li>`).join('')}</ul>`)
    paragraph = []
    list = []
  }
  for (const line of markdown.split('\n')) {
    if (code !== undefined) {
      if (line.startsWith('```')) {
        html.push(`<pre><code>${escapeHtml(code.join('\n'))}</code></pre>`)
        code = undefined
      } else code.push(line)
      continue
    }
    const heading = /^(#{1,6}) (.*)$/.exec(line)
    if (line.startsWith('```')) {
      flush()
      code = []
    } else if (heading !== null) {
      flush()
      const level = (heading[1] as string).length
      html.push(`<h${level}>${inline(heading[2] as string)}</h${level}>`)
    } else if (line.startsWith('- ')) {
      if (paragraph.length > 0) flush()
      list.push(line.slice(2))
    } else if (line.trim() === '') flush()
    else {
      if (list.length > 0) flush()
      paragraph.push(line.trim())
    }
  }
  if (code !== undefined) html.push(`<pre><code>${escapeHtml(code.join('\n'))}</code></pre>`)
  flush()
  return html.join('\n')
}

/** Inline markup of one block: code spans (between backticks) are kept as they are; links and emphasis elsewhere. */
function inline(text: string): string {
  return text
    .split('`')
    .map((part, index) => (index % 2 === 1 ? `<code>${escapeHtml(part)}</code>` : emphasis(links(escapeHtml(part)))))
    .join('')
}

/** `[text](url)` to a link, for http(s), absolute-path and fragment urls only (no `javascript:`). */
function links(text: string): string {
  return text.replace(/\[([^\]]+)\]\(([^)\s]+)\)/g, (whole, label: string, url: string) => (/^(https?:\/\/|\/|#)/.test(url) ? `<a href="${url}">${label}</a>` : whole))
}

/** `**strong**` and `*emphasis*`: an opening marker is followed by a non-space, a closing one preceded by one. */
function emphasis(text: string): string {
  let html = ''
  let from = 0
  for (let open = text.indexOf('*', from); open !== -1; open = text.indexOf('*', from)) {
    const marker = text.startsWith('**', open) ? '**' : '*'
    const close = closing(text, open + marker.length, marker)
    if (close === -1) {
      html += text.slice(from, open + marker.length) // no closing marker: the text as it is
      from = open + marker.length
      continue
    }
    const tag = marker === '**' ? 'strong' : 'em'
    html += `${text.slice(from, open)}<${tag}>${emphasis(text.slice(open + marker.length, close))}</${tag}>`
    from = close + marker.length
  }
  return html + text.slice(from)
}

/** Where the marker opened just before `from` closes, or -1. The scan to the end for every unclosed marker is the quadratic part. */
function closing(text: string, from: number, marker: string): number {
  if (from >= text.length || text[from] === ' ') return -1
  for (let at = text.indexOf(marker, from + 1); at !== -1; at = text.indexOf(marker, at + 1)) {
    if (text[at - 1] !== ' ') return at
  }
  return -1
}
