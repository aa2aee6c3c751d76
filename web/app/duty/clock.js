// The server's clock as the duty pages see it, whatever the phone's clock says: learnt from
// times the server stamps "now" (the today view's now, a check-in's received_at, a spot
// check's requested_at), so countdowns to a deadline follow the server.
let skew = 0;   // server time minus this phone's time, in seconds

export const learnServerNow = (ts) => { if (typeof ts === 'number') skew = ts - Date.now() / 1000; };
export const serverNow = () => Date.now() / 1000 + skew;
