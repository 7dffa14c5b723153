/* Audiobook and video lesson player (audiobook_page.html, video_page.html): chapter seeking,
 * current-chapter highlight, playback speed. No framework. Markup contract:
 *   [data-player]            wrapper
 *     audio[data-player-audio] or video[data-player-video]
 *     select[data-player-speed]          options are playback rates (0.75 … 2)
 *     [data-player-chapters] button[data-start][data-end]   seconds, dot decimal
 *     [data-player-captions]             shows the captions track's current cue text (an <audio>
 *                                        element draws no captions of its own)
 * Without JavaScript the <audio controls> element still plays the whole book.
 */
(function () {
  "use strict";

  var SPEED_KEY = "hoclieu.playbackRate";

  function chapterAt(chapters, time) {
    for (var i = chapters.length - 1; i >= 0; i--) {
      var c = chapters[i];
      if (time >= c.start && (c.end === null || time < c.end)) return i;
    }
    return -1;
  }

  function setUp(root) {
    var audio = root.querySelector("[data-player-audio], [data-player-video]");
    if (!audio) return;
    var speed = root.querySelector("[data-player-speed]");
    var buttons = Array.prototype.slice.call(root.querySelectorAll("[data-player-chapters] button[data-start]"));
    var chapters = buttons.map(function (button) {
      var end = button.getAttribute("data-end");
      return { start: parseFloat(button.getAttribute("data-start")), end: end === null ? null : parseFloat(end), button: button };
    });
    var current = -1;

    var captions = root.querySelector("[data-player-captions]");
    var track = audio.textTracks && audio.textTracks.length ? audio.textTracks[0] : null;
    if (captions && track) {
      // "hidden": the cues load and cuechange fires; the text is drawn here.
      if (audio.tagName === "AUDIO") track.mode = "hidden";
      track.addEventListener("cuechange", function () {
        var lines = [];
        var active = track.activeCues || [];
        for (var i = 0; i < active.length; i++) lines.push(active[i].text);
        captions.textContent = lines.join("\n");
      });
    }

    function highlight() {
      var index = chapterAt(chapters, audio.currentTime);
      if (index === current) return;
      if (current >= 0) {
        chapters[current].button.classList.remove("current");
        chapters[current].button.removeAttribute("aria-current");
      }
      current = index;
      if (current >= 0) {
        chapters[current].button.classList.add("current");
        chapters[current].button.setAttribute("aria-current", "true");
      }
    }

    chapters.forEach(function (chapter) {
      chapter.button.addEventListener("click", function () {
        audio.currentTime = chapter.start;
        highlight();
        var playing = audio.play();
        if (playing && playing.catch) playing.catch(function () { /* autoplay refused: user presses play */ });
      });
    });
    audio.addEventListener("timeupdate", highlight);
    audio.addEventListener("seeked", highlight);

    if (speed) {
      var saved = null;
      try { saved = window.localStorage.getItem(SPEED_KEY); } catch (e) { /* storage blocked */ }
      if (saved && speed.querySelector('option[value="' + saved + '"]')) speed.value = saved;
      var apply = function () {
        var rate = parseFloat(speed.value);
        if (rate > 0) {
          audio.playbackRate = rate;
          audio.defaultPlaybackRate = rate;
        }
      };
      speed.addEventListener("change", function () {
        apply();
        try { window.localStorage.setItem(SPEED_KEY, speed.value); } catch (e) { /* storage blocked */ }
      });
      // Some browsers reset the rate when a new source loads.
      audio.addEventListener("loadedmetadata", apply);
      apply();
    }
  }

  function init() {
    Array.prototype.forEach.call(document.querySelectorAll("[data-player]"), setUp);
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", init);
  else init();
})();
