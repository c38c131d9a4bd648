/* TutorHub video room (issue 19): a Janus VideoRoom client built on Debian's janus.js.
 *
 * The page renders an empty <div data-video-room> carrying what the room service handed this user
 * (Janus URL, room, join token, display name, ICE servers as data-* attributes, escaped by React);
 * this script mounts into it: pre-join preview with a device picker, then join, mute/unmute, camera
 * on/off, screen share, a participant list with a speaking indicator, reconnect with backoff when
 * the network or Janus goes away, and join/leave reports to /api/v1/rooms/presence (authenticated
 * by the join token). No user data is ever parsed as HTML: text goes in with textContent only.
 * Tests and benchmarks read window.TutorRoom.instances[i].peerConnections() / .metrics.
 */
(function () {
  "use strict";
  if (window.TutorRoom) return;
  var PLUGIN = "janus.plugin.videoroom";
  var CSS = [
    ".vr{display:flex;flex-direction:column;gap:10px;width:100%}",
    ".vr-grid{display:grid;gap:8px;grid-template-columns:repeat(auto-fill,minmax(220px,1fr))}",
    "@media (max-width:600px) and (orientation:portrait){.vr-grid{grid-template-columns:1fr 1fr}}",
    ".vr-tile{position:relative;background:#111;border-radius:10px;overflow:hidden;aspect-ratio:16/9;outline:3px solid transparent}",
    ".vr-tile.speaking{outline-color:#30a46c}",
    ".vr-tile video{width:100%;height:100%;object-fit:cover;display:block}",
    ".vr-tile .vr-name{position:absolute;left:6px;bottom:6px;color:#fff;background:rgba(0,0,0,.55);padding:2px 8px;border-radius:6px;font-size:13px}",
    ".vr-bar{display:flex;flex-wrap:wrap;gap:8px;align-items:center}",
    ".vr-bar button,.vr-bar select{min-height:40px;padding:0 14px;border-radius:8px;border:1px solid #bbb;background:#fff;color:#111;font-size:14px}",
    ".vr-bar button.primary{background:#3e63dd;color:#fff;border-color:#3e63dd}",
    ".vr-bar button.danger{background:#e5484d;color:#fff;border-color:#e5484d}",
    ".vr-bar button[aria-pressed=true]{background:#ffe8e8;border-color:#e5484d}",
    ".vr-status{font-size:14px;color:#555;min-height:20px}",
    ".vr-people{list-style:none;margin:0;padding:0;display:flex;flex-wrap:wrap;gap:6px 14px;font-size:14px}",
    ".vr-people li::before{content:'';display:inline-block;width:9px;height:9px;border-radius:50%;background:#bbb;margin-right:6px}",
    ".vr-people li.speaking::before{background:#30a46c}",
    ".vr-preview{max-width:420px}",
  ].join("\n");

  function el(tag, attrs, children) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (k) {
      if (k === "text") node.textContent = attrs[k];
      else if (k === "on") Object.keys(attrs.on).forEach(function (e) { node.addEventListener(e, attrs.on[e]); });
      else node.setAttribute(k, attrs[k]);
    });
    (children || []).forEach(function (c) { node.appendChild(c); });
    return node;
  }

  function nameOf(display) { var i = (display || "").indexOf(":"); return i >= 0 ? display.slice(i + 1) : display || "Guest"; }

  function Room(host) {
    var d = host.dataset;
    this.host = host;
    this.cfg = { server: d.server, token: d.token, room: d.room, display: d.display,
                 ice: JSON.parse(d.ice || "[]"), presence: d.presence || "/api/v1/rooms/presence",
                 reopen: d.reopen || "/api/v1/rooms/reopen" };
    this.feeds = {}; this.people = {}; this.attempts = 0; this.inCall = false; this.leaving = false;
    this.metrics = { joinClickedAt: 0, firstRemoteFrameAt: 0 };
    this.build();
  }

  Room.prototype.build = function () {
    var self = this;
    this.status = el("p", { "class": "vr-status", role: "status", "aria-live": "polite" });
    this.preview = el("video", { autoplay: "", playsinline: "", "class": "vr-preview", "aria-label": "Your camera preview" });
    this.preview.muted = true;
    this.camSel = el("select", { "aria-label": "Camera", id: "vr-camera", on: { change: function () { self.startPreview(); } } });
    this.micSel = el("select", { "aria-label": "Microphone", id: "vr-mic", on: { change: function () { self.startPreview(); } } });
    this.joinBtn = el("button", { "class": "primary", type: "button", id: "vr-join", text: "Join video",
                                  on: { click: function () { self.join(); } } });
    this.pre = el("div", { "class": "vr" }, [this.preview, el("div", { "class": "vr-bar" }, [this.camSel, this.micSel, this.joinBtn])]);
    this.grid = el("div", { "class": "vr-grid", id: "vr-grid" });
    this.peopleList = el("ul", { "class": "vr-people", "aria-label": "Participants", id: "vr-people" });
    this.muteBtn = el("button", { type: "button", id: "vr-mute", "aria-pressed": "false", text: "Mute", on: { click: function () { self.toggleAudio(); } } });
    this.camBtn = el("button", { type: "button", id: "vr-cam", "aria-pressed": "false", text: "Camera off", on: { click: function () { self.toggleVideo(); } } });
    this.shareBtn = el("button", { type: "button", id: "vr-share", "aria-pressed": "false", text: "Share screen", on: { click: function () { self.toggleShare(); } } });
    this.leaveBtn = el("button", { type: "button", "class": "danger", id: "vr-leave", text: "Leave", on: { click: function () { self.leave(); } } });
    this.call = el("div", { "class": "vr" }, [this.grid, el("div", { "class": "vr-bar" }, [this.muteBtn, this.camBtn, this.shareBtn, this.leaveBtn]), this.peopleList]);
    this.call.hidden = true;
    var style = el("style", { text: CSS });
    this.host.replaceChildren(style, this.status, this.pre, this.call);
    if (document.featurePolicy && !document.featurePolicy.allowsFeature("camera")) {
      this.say("Your camera is not enabled on this page yet.");
      this.joinBtn.textContent = "Reload to use your camera";
      this.joinBtn.onclick = function (e) { e.stopImmediatePropagation(); window.location.reload(); };
      return;
    }
    this.startPreview().then(function () { self.listDevices(); });
    window.addEventListener("pagehide", function () { if (self.inCall) self.report("left", true); });
    window.addEventListener("online", function () { if (self.inCall && self.lostAt) self.reconnect(); });
  };

  Room.prototype.say = function (text) { this.status.textContent = text; };

  Room.prototype.startPreview = function () {
    var self = this;
    var video = { width: { ideal: 640 }, height: { ideal: 360 }, facingMode: "user" };
    if (this.camSel.value) video.deviceId = { exact: this.camSel.value };
    var audio = this.micSel.value ? { deviceId: { exact: this.micSel.value } } : true;
    if (this.stream) this.stream.getTracks().forEach(function (t) { t.stop(); });
    return navigator.mediaDevices.getUserMedia({ audio: audio, video: video }).then(function (stream) {
      self.stream = stream;
      self.preview.srcObject = stream;
      self.say("Check your camera and microphone, then join.");
    }).catch(function (err) {
      self.stream = null;
      self.say("No camera or microphone available (" + err.name + "). You can still join to watch and listen.");
    });
  };

  Room.prototype.listDevices = function () {
    var self = this;
    return navigator.mediaDevices.enumerateDevices().then(function (devices) {
      [[self.camSel, "videoinput", "Camera"], [self.micSel, "audioinput", "Microphone"]].forEach(function (spec) {
        var current = spec[0].value;
        spec[0].replaceChildren();
        devices.filter(function (dv) { return dv.kind === spec[1]; }).forEach(function (dv, i) {
          spec[0].appendChild(el("option", { value: dv.deviceId, text: dv.label || spec[2] + " " + (i + 1) }));
        });
        if (current) spec[0].value = current;
      });
    });
  };

  Room.prototype.join = function () {
    var self = this;
    this.metrics.joinClickedAt = performance.now();
    this.leaving = false;
    this.joinBtn.disabled = true;
    this.say("Joining…");
    Janus.init({ debug: false, dependencies: Janus.useDefaultDependencies({ adapter: window.adapter }),
                 callback: function () { self.connect(); } });
  };

  Room.prototype.connect = function () {
    var self = this;
    this.janus = new Janus({
      server: this.cfg.server, token: this.cfg.token, iceServers: this.cfg.ice,
      success: function () { self.attachPublisher(); },
      error: function (err) { self.lost(err); },
    });
  };

  Room.prototype.attachPublisher = function () {
    var self = this;
    this.janus.attach({
      plugin: PLUGIN,
      success: function (handle) {
        self.pub = handle;
        handle.send({ message: { request: "join", ptype: "publisher", room: self.cfg.room, display: self.cfg.display, token: self.cfg.token } });
      },
      error: function (err) { self.lost(err); },
      iceState: function (state) { if (state === "failed") self.lost("ice " + state); },
      onmessage: function (msg, jsep) { self.onPublisherMessage(msg, jsep); },
      onlocaltrack: function () {}, onremotetrack: function () {},
    });
  };

  Room.prototype.onPublisherMessage = function (msg, jsep) {
    var ev = msg.videoroom;
    if (ev === "joined") {
      this.myId = msg.id; this.privateId = msg.private_id; this.attempts = 0; this.lostAt = 0;
      this.inCall = true; this.pre.hidden = true; this.call.hidden = false;
      this.addTile(this.myId, nameOf(this.cfg.display) + " (you)", this.stream, true);
      this.person(this.myId, this.cfg.display, true);
      this.publish();
      this.report("joined");
      this.say("You are in the room.");
      this.addPublishers(msg.publishers || []);
      (msg.attendees || []).forEach(function (a) { this.person(a.id, a.display, true); }, this);
    } else if (ev === "event") {
      if (msg.publishers) this.addPublishers(msg.publishers);
      if (msg.joining) this.person(msg.joining.id, msg.joining.display, true);
      var gone = msg.leaving || msg.unpublished;
      if (gone && gone !== "ok") this.dropFeed(gone, !!msg.leaving);
      if (msg.error) this.say("The room said: " + msg.error);
    } else if (ev === "talking" || ev === "stopped-talking") {
      this.speaking(msg.id, ev === "talking");
    }
    if (jsep) this.pub.handleRemoteJsep({ jsep: jsep });
  };

  Room.prototype.publish = function () {
    var self = this;
    var a = this.stream && this.stream.getAudioTracks()[0], v = this.stream && this.stream.getVideoTracks()[0];
    var tracks = [];
    // dontStop: our preview's tracks outlive a connection (janus.js would stop them on hang-up,
    // and a reconnect or "Join again" would then send nothing).
    if (a) tracks.push({ type: "audio", capture: a, recv: false, dontStop: true });
    if (v) tracks.push({ type: "video", capture: v, recv: false, dontStop: true });
    if (!tracks.length) return;
    this.pub.createOffer({
      tracks: tracks,
      success: function (jsep) { self.pub.send({ message: { request: "configure", audio: !!a, video: !!v }, jsep: jsep }); },
      error: function (err) { self.say("Could not send your camera: " + (err && err.message || err)); },
    });
  };

  Room.prototype.addPublishers = function (list) {
    list.forEach(function (p) {
      this.person(p.id, p.display, true);
      if (p.id !== this.myId && !this.feeds[p.id]) this.subscribe(p);
    }, this);
  };

  Room.prototype.subscribe = function (p) {
    var self = this, feed = { id: p.id, display: p.display, stream: new MediaStream() };
    this.feeds[p.id] = feed;
    this.addTile(p.id, nameOf(p.display), feed.stream, false);
    this.janus.attach({
      plugin: PLUGIN,
      success: function (handle) {
        feed.handle = handle;
        handle.send({ message: { request: "join", ptype: "subscriber", room: self.cfg.room, streams: [{ feed: p.id }],
                                 private_id: self.privateId, token: self.cfg.token } });
      },
      error: function (err) { self.say("Could not receive " + nameOf(p.display) + ": " + err); },
      onmessage: function (msg, jsep) {
        if (!jsep) return;
        feed.handle.createAnswer({
          jsep: jsep, tracks: [{ type: "data" }],
          success: function (answer) { feed.handle.send({ message: { request: "start", room: self.cfg.room }, jsep: answer }); },
          error: function (err) { self.say("Media negotiation failed: " + err); },
        });
      },
      onremotetrack: function (track, mid, on) {
        feed.stream.getTracks().forEach(function (t) { if (t.id === track.id && !on) feed.stream.removeTrack(t); });
        if (on && !feed.stream.getTrackById(track.id)) feed.stream.addTrack(track);
        var tile = document.getElementById("vr-tile-" + p.id);
        if (tile) { var video = tile.querySelector("video"); video.srcObject = null; video.srcObject = feed.stream; }
      },
      onlocaltrack: function () {},
    });
  };

  Room.prototype.addTile = function (id, label, stream, mine) {
    var self = this, old = document.getElementById("vr-tile-" + id);
    if (old) old.remove();
    var video = el("video", { autoplay: "", playsinline: "" });
    video.muted = !!mine;
    if (stream) video.srcObject = stream;
    if (!mine) video.addEventListener("loadeddata", function () {
      if (!self.metrics.firstRemoteFrameAt) self.metrics.firstRemoteFrameAt = performance.now();
    });
    this.grid.appendChild(el("div", { "class": "vr-tile", id: "vr-tile-" + id, "data-feed": String(id) },
                             [video, el("span", { "class": "vr-name", text: label })]));
  };

  Room.prototype.person = function (id, display, present) {
    var item = document.getElementById("vr-person-" + id);
    if (!present) { if (item) item.remove(); delete this.people[id]; return; }
    if (!item) {
      item = el("li", { id: "vr-person-" + id, text: nameOf(display) + (id === this.myId ? " (you)" : "") });
      this.peopleList.appendChild(item);
    }
    this.people[id] = display;
  };

  Room.prototype.speaking = function (id, on) {
    ["vr-tile-", "vr-person-"].forEach(function (prefix) {
      var node = document.getElementById(prefix + id);
      if (node) node.classList.toggle("speaking", on);
    });
  };

  Room.prototype.dropFeed = function (id, left) {
    var feed = this.feeds[id];
    if (feed && feed.handle) feed.handle.detach();
    delete this.feeds[id];
    var tile = document.getElementById("vr-tile-" + id);
    if (tile) tile.remove();
    if (left) this.person(id, "", false);
  };

  Room.prototype.toggleAudio = function () {
    if (!this.pub) return;
    var muted = this.pub.isAudioMuted();
    if (muted) this.pub.unmuteAudio(); else this.pub.muteAudio();
    this.muteBtn.textContent = muted ? "Mute" : "Unmute";
    this.muteBtn.setAttribute("aria-pressed", String(!muted));
  };

  Room.prototype.toggleVideo = function () {
    if (!this.pub) return;
    var off = this.pub.isVideoMuted();
    if (off) this.pub.unmuteVideo(); else this.pub.muteVideo();
    this.camBtn.textContent = off ? "Camera off" : "Camera on";
    this.camBtn.setAttribute("aria-pressed", String(!off));
  };

  Room.prototype.videoMid = function () {
    var tracks = this.pub ? this.pub.getLocalTracks() : [];
    for (var i = 0; i < tracks.length; i++) if (tracks[i].type === "video") return tracks[i].mid;
    return undefined;
  };

  Room.prototype.toggleShare = function () {
    var self = this, mid = this.videoMid();
    if (this.screen) { this.screen.stop(); this.stopShare(mid); return; }
    navigator.mediaDevices.getDisplayMedia({ video: true }).then(function (screen) {
      self.screen = screen.getVideoTracks()[0];
      self.screen.addEventListener("ended", function () { self.stopShare(self.videoMid()); });
      self.pub.replaceTracks({ tracks: [{ type: "video", mid: mid, capture: self.screen }] });
      self.shareBtn.textContent = "Stop sharing"; self.shareBtn.setAttribute("aria-pressed", "true");
    }).catch(function (err) { self.say("Screen sharing was not started (" + err.name + ")."); });
  };

  Room.prototype.stopShare = function (mid) {
    this.screen = null;
    var cam = this.stream && this.stream.getVideoTracks()[0];
    if (cam && this.pub) this.pub.replaceTracks({ tracks: [{ type: "video", mid: mid, capture: cam, dontStop: true }] });
    this.shareBtn.textContent = "Share screen"; this.shareBtn.setAttribute("aria-pressed", "false");
  };

  Room.prototype.report = function (event, beacon) {
    var body = JSON.stringify({ token: this.cfg.token, event: event });
    if (beacon && navigator.sendBeacon) {
      navigator.sendBeacon(this.cfg.presence, new Blob([body], { type: "application/json" }));
      return;
    }
    fetch(this.cfg.presence, { method: "POST", headers: { "Content-Type": "application/json" }, body: body, keepalive: true })
      .catch(function () {});
  };

  Room.prototype.teardown = function () {
    Object.keys(this.feeds).forEach(function (id) { this.dropFeed(id, false); }, this);
    this.grid.replaceChildren(); this.peopleList.replaceChildren(); this.people = {};
    if (this.janus) { try { this.janus.destroy({ cleanupHandles: true }); } catch (e) { /* already gone */ } }
    this.janus = null; this.pub = null;
  };

  Room.prototype.lost = function (why) {
    if (this.leaving) return;
    this.lostAt = this.lostAt || Date.now();
    this.teardown();
    this.attempts += 1;
    var wait = Math.min(15000, 1000 * Math.pow(2, this.attempts - 1));
    this.say("Connection lost (" + why + "). Reconnecting in " + Math.round(wait / 1000) + " s…");
    clearTimeout(this.retry);
    this.retry = setTimeout(this.reconnect.bind(this), wait);
  };

  Room.prototype.reconnect = function () {
    // Janus may have restarted (its rooms and tokens live in memory): the app provisions the room
    // again for this token's holder first, then we join anew.
    var self = this;
    if (this.leaving) return;
    clearTimeout(this.retry);
    this.say("Reconnecting…");
    fetch(this.cfg.reopen, { method: "POST", headers: { "Content-Type": "application/json" },
                             body: JSON.stringify({ token: this.cfg.token }) })
      .then(function (res) {
        if (res.status === 401) { self.leaving = true; self.say("This room has closed. Reload the page."); return; }
        self.connect();
      })
      .catch(function () { self.lost("network"); });
  };

  Room.prototype.leave = function () {
    this.leaving = true; clearTimeout(this.retry);
    if (this.pub) this.pub.send({ message: { request: "leave" } });
    this.report("left");
    this.teardown();
    this.inCall = false; this.call.hidden = true; this.pre.hidden = false;
    this.joinBtn.disabled = false; this.joinBtn.textContent = "Join again";
    this.say("You left the room.");
  };

  Room.prototype.peerConnections = function () {
    var pcs = [];
    if (this.pub && this.pub.webrtcStuff.pc) pcs.push(this.pub.webrtcStuff.pc);
    Object.keys(this.feeds).forEach(function (id) {
      var h = this.feeds[id].handle;
      if (h && h.webrtcStuff.pc) pcs.push(h.webrtcStuff.pc);
    }, this);
    return pcs;
  };

  var api = { instances: [] };
  window.TutorRoom = api;
  // Camera and microphone are allowed only on a room page's own document (its Permissions-Policy
  // header). Reached by navigating inside the app, this document is another page's, where they are
  // off: load the room page itself with ?room=open, once (sessionStorage keeps a header that still says no from
  // reloading for ever — the room then explains the refused camera as usual).
  function mediaAllowedHere() {
    var policy = document.permissionsPolicy || document.featurePolicy;
    if (!policy || !policy.allowsFeature || policy.allowsFeature("camera")) return true;
    var key = "tutorroom-reloaded:" + location.pathname;
    try {
      if (sessionStorage.getItem(key)) return true;
      sessionStorage.setItem(key, "1");
    } catch (e) { return true; }
    var url = new URL(location.href);
    url.searchParams.set("room", "open");  // the page opens the room again on load (RoomState.close_room)
    location.replace(url.toString());
    return false;
  }
  function scan() {
    // A room whose panel left the page (navigation inside the app) hangs up.
    api.instances.forEach(function (room) { if (!room.host.isConnected && !room.leaving) room.leave(); });
    if (typeof Janus === "undefined") return;
    document.querySelectorAll("[data-video-room][data-token]").forEach(function (host) {
      if (host.dataset.mounted === host.dataset.token) return;
      if (!mediaAllowedHere()) return;
      host.dataset.mounted = host.dataset.token;
      api.instances.push(new Room(host));
    });
  }
  setInterval(scan, 400);
})();
