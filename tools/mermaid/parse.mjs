// Parses each diagram with Mermaid's own parser (mermaid.parse), as GitHub's renderer would.
// Input on stdin: a JSON list of diagram texts. Output: a JSON list of {ok, type} or
// {ok: false, error}. jsdom stands in for the browser: mermaid sanitises labels with
// DOMPurify, which needs a window, even when it only parses.
import { JSDOM } from 'jsdom';

const dom = new JSDOM('<!doctype html><html><body></body></html>');
globalThis.window = dom.window;
globalThis.document = dom.window.document;
const { default: mermaid } = await import('mermaid');
mermaid.initialize({ startOnLoad: false });

let input = '';
for await (const chunk of process.stdin) input += chunk;
const results = [];
for (const text of JSON.parse(input)) {
  try {
    const parsed = await mermaid.parse(text);
    results.push({ ok: true, type: parsed.diagramType });
  } catch (e) {
    results.push({ ok: false, error: String(e && e.message ? e.message : e) });
  }
}
process.stdout.write(JSON.stringify(results) + '\n');
