/*
 * "Download SVG": the page's drawings in one standalone file, with the app's drawing styles
 * inside it (the page itself takes styles from its stylesheet only, as its CSP requires).
 */
import STYLE from './drawing.css?raw';

export function downloadSvg(elements: SVGSVGElement[], filename: string): void {
  let y = 0;
  let width = 0;
  const parts: string[] = [];
  for (const element of elements) {
    const w = Number(element.getAttribute('width'));
    const h = Number(element.getAttribute('height'));
    parts.push(`<g transform="translate(0,${y})">${new XMLSerializer().serializeToString(element)}</g>`);
    y += h + 24;
    width = Math.max(width, w);
  }
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${y}" viewBox="0 0 ${width} ${y}"><style>${STYLE}</style>${parts.join('')}</svg>`;
  const url = URL.createObjectURL(new Blob([svg], { type: 'image/svg+xml' }));
  const anchor = document.createElement('a');
  anchor.href = url;
  anchor.download = filename;
  anchor.click();
  setTimeout(() => URL.revokeObjectURL(url), 1000);
}
