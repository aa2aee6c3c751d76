// tests/lib/sse.mjs: a small Server-Sent Events client over node:http (one
// connection per stream), for the API tests and bench/events.mjs.
import http from 'node:http';

const sleep = (ms) => new Promise((ok) => setTimeout(ok, ms));

// Open a stream of `server` as client c (null: anonymous). Resolves once the answer's
// headers are in: {status, headers, events: [{id, event, data, t}], pings, ended, close()},
// t being performance.now() when the event was read.
export function openStream(c, { server, lastEventId, query = '' }) {
  return new Promise((ok, bad) => {
    const headers = { Accept: 'text/event-stream', 'Accept-Language': 'zh-CN' };
    if (c?.cookie) headers.Cookie = c.cookie;
    if (lastEventId !== undefined) headers['Last-Event-ID'] = lastEventId;
    const rq = http.get({ host: '127.0.0.1', port: server.port, path: '/api/v1/events' + query, headers, agent: false }, (res) => {
      const s = { status: res.statusCode, headers: res.headers, events: [], pings: 0, text: '', ended: false, aborted: false };
      s.close = () => rq.destroy();
      let buf = '';
      res.setEncoding('utf8');
      res.on('data', (chunk) => {
        s.text += chunk;
        buf += chunk;
        let i;
        while ((i = buf.indexOf('\n\n')) >= 0) {
          const block = buf.slice(0, i);
          buf = buf.slice(i + 2);
          const ev = { id: null, event: 'message', data: null, t: performance.now() };
          const data = [];
          for (const line of block.split('\n')) {
            if (line === ': ping') s.pings += 1;
            if (line.startsWith(':')) continue;
            const k = line.indexOf(':');
            const [field, value] = k < 0 ? [line, ''] : [line.slice(0, k), line.slice(k + 1).replace(/^ /, '')];
            if (field === 'id') ev.id = value;
            else if (field === 'event') ev.event = value;
            else if (field === 'data') data.push(value);
          }
          if (!data.length) continue;
          ev.data = JSON.parse(data.join('\n'));
          s.events.push(ev);
        }
      });
      res.on('end', () => { s.ended = true; });
      res.on('aborted', () => { s.aborted = true; });
      res.on('error', () => { s.aborted = true; });
      ok(s);
    });
    rq.on('error', bad);
  });
}

// The first event of stream s matching pred, waiting up to ms.
export async function waitFor(s, pred, ms = 5000, what = 'event') {
  const deadline = Date.now() + ms;
  for (;;) {
    const ev = s.events.find(pred);
    if (ev) return ev;
    if (Date.now() > deadline) throw new Error(`no ${what} within ${ms} ms; got ${JSON.stringify(s.events)}`);
    await sleep(10);
  }
}
