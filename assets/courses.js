// Course videos in the browser: the multipart uploader of the course builder and the player's progress.
// Served from the app's own origin (CSP script-src 'self'); the pages call these functions with
// rx.call_script. No user data is ever interpolated into code: ids are numbers, the video link is the
// app's own signed URL (JSON-encoded by the state).
(function () {
  "use strict";
  const RETRIES = 4;

  function fmtBytes(n) {
    if (n >= 1e9) return (n / 1e9).toFixed(2) + " GB";
    if (n >= 1e6) return (n / 1e6).toFixed(1) + " MB";
    return Math.max(1, Math.round(n / 1e3)) + " KB";
  }

  function fmtTime(s) {
    if (!isFinite(s)) return "…";
    s = Math.round(s);
    return s >= 60 ? Math.floor(s / 60) + " min " + (s % 60) + " s" : s + " s";
  }

  function putPart(url, blob, onProgress) {
    return new Promise(function (resolve, reject) {
      const xhr = new XMLHttpRequest();
      xhr.open("PUT", url);
      xhr.upload.onprogress = function (e) { onProgress(e.loaded); };
      xhr.onload = function () {
        const etag = xhr.getResponseHeader("ETag");
        if (xhr.status === 200 && etag) resolve(etag);
        else reject(new Error("part refused (" + xhr.status + ")"));
      };
      xhr.onerror = function () { reject(new Error("connection lost")); };
      xhr.send(blob);
    });
  }

  async function postJson(url, body, method) {
    const res = await fetch(url, {
      method: method || "POST", credentials: "same-origin",
      headers: { "Content-Type": "application/json" }, body: JSON.stringify(body),
    });
    let data = {};
    try { data = await res.json(); } catch (e) { data = {}; }
    return { status: res.status, data: data };
  }

  function detail(data) {
    const d = data && data.detail;
    const fields = data && data.fields ? " " + Object.values(data.fields).join(" ") : "";
    return (typeof d === "string" ? d : "Something went wrong.") + fields;
  }

  function refreshPage() {
    const button = document.getElementById("course-refresh");
    if (button) button.click();
  }

  window.thCourseUpload = async function (courseId, chapterId) {
    courseId = Number(courseId); chapterId = Number(chapterId);
    const input = document.getElementById("video-file-" + chapterId);
    const status = document.getElementById("upload-status-" + chapterId);
    const bar = document.getElementById("upload-bar-" + chapterId);
    const say = function (text) { if (status) status.textContent = text; };
    const file = input && input.files && input.files[0];
    if (!file) { say("Choose a video file (MP4 or WebM) first."); return; }
    const type = file.type || (file.name.toLowerCase().endsWith(".webm") ? "video/webm" : "video/mp4");
    const key = "th-upload:" + chapterId + ":" + file.name + ":" + file.size + ":" + file.lastModified;
    let plan = null;
    try { plan = JSON.parse(localStorage.getItem(key) || "null"); } catch (e) { plan = null; }
    if (!plan) {
      say("Starting…");
      const started = await postJson("/api/v1/courses/" + courseId + "/chapters/" + chapterId + "/upload",
        { filename: file.name, size: file.size, content_type: type });
      if (started.status !== 201) { say(detail(started.data)); return; }
      plan = Object.assign({}, started.data, { etags: {} });
      localStorage.setItem(key, JSON.stringify(plan));
    } else {
      say("Resuming an earlier upload…");
    }
    const total = file.size;
    let done = 0;
    plan.parts.forEach(function (p) {
      if (plan.etags[p.n]) done += Math.min(plan.part_size, total - (p.n - 1) * plan.part_size);
    });
    const t0 = performance.now();
    const base = done;
    const show = function (current) {
      const sent = done + current;
      const secs = (performance.now() - t0) / 1000;
      const speed = secs > 0.2 ? (sent - base) / secs : 0;
      const pct = Math.floor((100 * sent) / total);
      if (bar) bar.value = pct;
      say(pct + " % · " + fmtBytes(sent) + " of " + fmtBytes(total) + " · " +
          (speed ? fmtBytes(speed) + "/s · " + fmtTime((total - sent) / speed) + " left" : "measuring speed…"));
    };
    for (const part of plan.parts) {
      if (plan.etags[part.n]) continue;
      const start = (part.n - 1) * plan.part_size;
      const blob = file.slice(start, Math.min(start + plan.part_size, total));
      let etag = null;
      for (let attempt = 1; attempt <= RETRIES && !etag; attempt++) {
        try {
          etag = await putPart(part.url, blob, show);
        } catch (e) {
          if (attempt === RETRIES) { say("Upload paused: " + e.message + ". Press Upload again to resume."); return; }
          say("Connection trouble, retrying part " + part.n + "…");
          await new Promise(function (r) { setTimeout(r, 1000 * attempt); });
        }
      }
      plan.etags[part.n] = etag;
      done += blob.size;
      localStorage.setItem(key, JSON.stringify(plan));
      show(0);
    }
    say("Checking the video…");
    const parts = plan.parts.map(function (p) { return { n: p.n, etag: plan.etags[p.n] }; });
    const finished = await postJson("/api/v1/uploads/" + plan.upload_id + "/complete", { parts: parts });
    if (finished.status === 200) {
      localStorage.removeItem(key);
      if (bar) bar.value = 100;
      say("Uploaded: the video is ready.");
      refreshPage();
    } else {
      if (finished.status === 415 || finished.status === 409) localStorage.removeItem(key);
      say(detail(finished.data));
    }
  };

  // Desktop drag and drop in the course builder: drop a chapter card on another to put it there
  // (phones use the move buttons). The new order is saved in one request, then the page re-reads.
  let dragged = null;
  document.addEventListener("dragstart", function (e) {
    const card = e.target.closest && e.target.closest(".builder-chapter[data-chapter]");
    if (!card) return;
    dragged = card;
    e.dataTransfer.effectAllowed = "move";
  });
  document.addEventListener("dragover", function (e) {
    if (dragged && e.target.closest && e.target.closest(".builder-chapter[data-chapter]")) e.preventDefault();
  });
  document.addEventListener("drop", async function (e) {
    const target = e.target.closest && e.target.closest(".builder-chapter[data-chapter]");
    const list = document.getElementById("builder-chapters");
    if (!dragged || !target || target === dragged || !list) { dragged = null; return; }
    e.preventDefault();
    const ids = Array.from(list.querySelectorAll(".builder-chapter[data-chapter]")).map(function (c) {
      return Number(c.dataset.chapter);
    });
    const from = ids.indexOf(Number(dragged.dataset.chapter));
    const to = ids.indexOf(Number(target.dataset.chapter));
    ids.splice(to, 0, ids.splice(from, 1)[0]);
    dragged = null;
    const res = await postJson("/api/v1/courses/" + Number(list.dataset.course) + "/chapter-order", { order: ids },
      "PUT");
    if (res.status === 200) refreshPage();
  });

  // The player: start where the student left off, report the position every 10 s and on pause/end.
  window.thWatch = function (courseId, chapterId, startAt, src, tries) {
    const video = document.getElementById("course-video");
    // The page renders this chapter's player (with this link: after a reload the old one may show first) a moment later.
    if (!video || video.dataset.chapter !== String(chapterId) || (src && video.getAttribute("src") !== src)) {
      if ((tries || 0) < 50) setTimeout(function () { window.thWatch(courseId, chapterId, startAt, src, (tries || 0) + 1); }, 100);
      return;
    }
    if (video.dataset.watching === String(chapterId)) {  // this chapter's player is watched already
      if (src && video.thSrc !== src && video.thResume) { video.thSrc = src; video.thResume(startAt); }  // a new link
      return;
    }
    video.dataset.watching = String(chapterId);
    video.thSrc = src;
    courseId = Number(courseId); chapterId = Number(chapterId);
    let duration = 0, lastSent = 0, completed = false, probing = false;
    const knowDuration = function () {
      if (isFinite(video.duration) && video.duration > 0) { duration = video.duration; return true; }
      return false;
    };
    const onMeta = function () {
      if (!knowDuration()) {  // recorded WebM files carry no duration: seek to the end once to learn it
        const back = function () {
          video.removeEventListener("durationchange", back);
          knowDuration(); video.currentTime = Number(startAt) || 0;
          video.addEventListener("seeked", function () { probing = false; }, { once: true });
        };
        video.addEventListener("durationchange", back);
        probing = true;  // the jump to the end is not the student watching: never report it
        video.currentTime = 1e101;
      } else if (Number(startAt) > 0) {
        video.currentTime = Number(startAt);
      }
    };
    // Seek to where the student left off once the (current) link's metadata is in; again for a new link.
    video.thResume = function (start) {
      startAt = start;
      if (video.readyState >= 1) onMeta(); else video.addEventListener("loadedmetadata", onMeta, { once: true });
    };
    video.thResume(startAt);
    let renewing = false;
    video.addEventListener("error", async function () {  // the short-lived link expired: fetch a fresh one
      if (renewing) return;
      renewing = true;
      const at = video.currentTime;
      try {
        const res = await fetch("/api/v1/courses/" + courseId + "/chapters/" + chapterId + "/video",
          { credentials: "same-origin", headers: { Range: "bytes=0-0" } });
        if (res.ok) { startAt = at; video.src = res.url; video.load(); }
      } finally { setTimeout(function () { renewing = false; }, 5000); }
    });
    const report = async function (force) {
      if (probing || (!duration && !knowDuration())) return;
      const now = performance.now();
      if (!force && now - lastSent < 10000) return;
      lastSent = now;
      const res = await postJson("/api/v1/courses/" + courseId + "/chapters/" + chapterId + "/progress",
        { position_s: Math.min(video.currentTime, duration), duration_s: duration });
      if (res.status === 200 && res.data.completed && !completed) { completed = true; refreshPage(); }
    };
    video.addEventListener("timeupdate", function () { report(false); });
    video.addEventListener("pause", function () { report(true); });
    video.addEventListener("ended", function () { report(true); });
  };
})();
