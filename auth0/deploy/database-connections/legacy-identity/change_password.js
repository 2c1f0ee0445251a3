/**
 * Auth0 custom database action script: Change Password (legacy identity bridge, POST /v1/change-password).
 *
 * configuration: BRIDGE_URL (e.g. https://identity.example.com), BRIDGE_TOKEN, and optionally
 * BRIDGE_TIMEOUT_MS (default 10000, at most 15000: Auth0 stops a script after about 20 s).
 *
 * Changed -> callback(null, true). No such user -> callback(null, false). Anything else (including a
 * password the store rejects) -> a plain Error.
 */
// biome-ignore lint/correctness/noUnusedVariables: Auth0 calls this function
function changePassword(email, newPassword, callback) {
  bridge('/v1/change-password', { email: email, new_password: newPassword }, (status, body) => {
    if (status === 200 && body.changed === true) return [null, true];
    if (status === 404 && body.error === 'not_found') return [null, false];
    return null;
  });

  // The helpers below are the same in every script: Auth0 runs each script on its own.

  /**
   * POSTs `payload` to the bridge and calls `callback` exactly once: with the arguments
   * `answer(status, body)` returns, or with a plain Error when it returns null, when the answer is not
   * JSON, or when nothing arrives within the timeout.
   */
  function bridge(path, payload, answer) {
    const timeoutMs = Math.min(Math.max(Number(configuration.BRIDGE_TIMEOUT_MS) || 10000, 100), 15000);
    const trace = traceparent();
    const controller = new AbortController();
    let finished = false;
    const finish = (args) => {
      if (finished) return;
      finished = true;
      clearTimeout(timer);
      callback.apply(null, args);
    };
    const fail = (reason) =>
      finish([new Error(`legacy identity bridge: ${reason}${trace ? ` (trace ${trace.id})` : ''}`)]);
    const timer = setTimeout(() => {
      controller.abort();
      fail(`no answer within ${timeoutMs} ms`);
    }, timeoutMs);
    const base = String(configuration.BRIDGE_URL || '').replace(/\/+$/, '');
    if (!base || !configuration.BRIDGE_TOKEN) return fail('BRIDGE_URL and BRIDGE_TOKEN must be configured');
    const headers = { 'content-type': 'application/json', authorization: `Bearer ${configuration.BRIDGE_TOKEN}` };
    if (trace) headers.traceparent = trace.header;
    // Started inside a promise so that even a synchronous throw ends in a plain Error, not an exception.
    Promise.resolve()
      .then(() =>
        fetch(base + path, {
          method: 'POST',
          headers: headers,
          body: JSON.stringify(payload),
          signal: controller.signal,
        }),
      )
      .then((response) =>
        response.text().then((text) => {
          let body = null;
          try {
            body = JSON.parse(text);
          } catch (_) {
            body = null;
          }
          if (body === null || typeof body !== 'object') return fail(`unreadable answer (HTTP ${response.status})`);
          const args = answer(response.status, body);
          if (args) return finish(args);
          const code = typeof body.error === 'string' && /^[a-z_]{1,40}$/.test(body.error) ? ` ${body.error}` : '';
          return fail(`HTTP ${response.status}${code}`);
        }),
      )
      .catch((error) => fail(`request failed (${error?.cause?.code || error?.name})`));
  }

  /** A fresh W3C trace context per call, so a failure in Auth0's logs can be found in the bridge's. */
  function traceparent() {
    try {
      const bytes = crypto.getRandomValues(new Uint8Array(24));
      const hex = Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
      return { id: hex.slice(0, 32), header: `00-${hex.slice(0, 32)}-${hex.slice(32)}-01` };
    } catch (_) {
      return null;
    }
  }
}
