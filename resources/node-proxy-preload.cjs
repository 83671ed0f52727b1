// Preloaded into Node by `inspector run` and the app's Intercept menu (NODE_OPTIONS=--require).
//
// Node before 24 ignores HTTP_PROXY and HTTPS_PROXY: neither its http/https modules (and so
// axios, got, node-fetch, superagent) nor its fetch use a proxy unless the program brings an
// agent. Here every http.Agent and https.Agent (the global ones and any a library makes) and
// fetch's global dispatcher open their connections as CONNECT tunnels through the capture, the
// way HTTP Toolkit's Node interception does. Node 24 and later do it themselves, asked by
// NODE_USE_ENV_PROXY=1, so this file does nothing there. NODE_EXTRA_CA_CERTS, set beside it,
// makes Node trust the capture's certificates.
"use strict";

(() => {
  const major = Number(process.versions.node.split(".")[0]);
  const proxyText = process.env.INSPECTOR_PROXY;
  if (major >= 24 || !proxyText) {
    return;
  }
  const http = require("http");
  const https = require("https");
  const net = require("net");
  const tls = require("tls");

  const proxy = new URL(proxyText);
  const proxyHost = proxy.hostname.replace(/^\[|\]$/g, "");
  const proxyPort = Number(proxy.port) || 8080;
  // The source tag travels as proxy credentials, as with every other client.
  const proxyAuthorization = proxy.username
    ? "Basic " +
      Buffer.from(
        `${decodeURIComponent(proxy.username)}:${decodeURIComponent(proxy.password)}`,
      ).toString("base64")
    : null;

  // The CONNECT request itself must not go through a tunnel: an agent with Node's own
  // connection function, kept before the prototypes are patched below.
  const directConnection = http.Agent.prototype.createConnection;
  const directAgent = new http.Agent({ keepAlive: false });
  directAgent.createConnection = directConnection;

  function isLocalToProxy(host, port) {
    return (host === proxyHost || host === proxy.hostname) && Number(port) === proxyPort;
  }

  function tunnel(rawHost, port, callback) {
    const host = rawHost.replace(/^\[|\]$/g, "");
    const target = host.includes(":") ? `[${host}]:${port}` : `${host}:${port}`;
    const headers = { Host: target };
    if (proxyAuthorization) {
      headers["Proxy-Authorization"] = proxyAuthorization;
    }
    const request = http.request({
      host: proxyHost,
      port: proxyPort,
      method: "CONNECT",
      path: target,
      headers,
      agent: directAgent,
    });
    request.once("connect", (response, socket, head) => {
      if (response.statusCode !== 200) {
        socket.destroy();
        callback(new Error(`the capture proxy at ${proxyHost}:${proxyPort} refused ` +
          `CONNECT ${target}: ${response.statusCode} ${response.statusMessage}`));
        return;
      }
      if (head && head.length) {
        socket.unshift(head);
      }
      callback(null, socket);
    });
    request.once("error", (error) => callback(error));
    request.end();
  }

  // TLS to `host` inside an open tunnel; `callback(error, socket)` once the handshake is done.
  function secureOver(socket, host, options, callback) {
    // No SNI for an IP address (TLS forbids it); https.Agent works the name out itself.
    const servername = options.servername || (net.isIP(host) ? undefined : host);
    const secure = tls.connect({ ...options, socket, servername });
    let settled = false;
    secure.once("secureConnect", () => {
      settled = true;
      callback(null, secure);
    });
    secure.once("error", (failure) => {
      if (!settled) {
        settled = true;
        callback(failure);
      }
    });
  }

  function hostOf(options) {
    return options.host || options.hostname || "localhost";
  }

  http.Agent.prototype.createConnection = function (options, callback) {
    const host = hostOf(options);
    const port = options.port || 80;
    if (options.socketPath || isLocalToProxy(host, port) || typeof callback !== "function") {
      return directConnection.call(this, options, callback);
    }
    tunnel(host, port, callback);
    return undefined;
  };

  const tlsConnection = https.Agent.prototype.createConnection;
  https.Agent.prototype.createConnection = function (options, callback) {
    const host = hostOf(options);
    const port = options.port || 443;
    if (options.socketPath || typeof callback !== "function") {
      return tlsConnection.call(this, options, callback);
    }
    tunnel(host, port, (error, socket) => {
      if (error) {
        callback(error);
        return;
      }
      secureOver(socket, host, options, callback);
    });
    return undefined;
  };

  // fetch (undici, bundled): its global dispatcher is made on the first call, so make it now
  // with a call that is aborted before it connects, then replace it with one of the same class
  // that connects through the tunnel.
  const dispatcherKey = Symbol.for("undici.globalDispatcher.1");
  if (typeof globalThis.fetch === "function") {
    try {
      globalThis.fetch("http://127.0.0.1:9/", { signal: AbortSignal.abort() }).catch(() => {});
      const Agent = globalThis[dispatcherKey] && globalThis[dispatcherKey].constructor;
      if (typeof Agent === "function") {
        globalThis[dispatcherKey] = new Agent({
          connect(options, callback) {
            const port = options.port || (options.protocol === "https:" ? 443 : 80);
            tunnel(options.hostname, port, (error, socket) => {
              if (error || options.protocol !== "https:") {
                callback(error || null, error ? undefined : socket);
                return;
              }
              const tlsOptions = { servername: options.servername, ALPNProtocols: ["http/1.1"] };
              secureOver(socket, options.hostname, tlsOptions, callback);
            });
          },
        });
      }
    } catch {
      // A fetch that cannot be set up this way keeps Node's behaviour: no proxy.
    }
  }
})();
