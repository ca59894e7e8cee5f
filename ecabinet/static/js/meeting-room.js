/* The meeting room: every tablet follows the session live, and the chair runs it from here.
 *
 * The page starts from the state rendered into #meeting-data, connects to /live (the session
 * cookie authenticates), joins the meeting and renders what the join answers; then it applies
 * the room's broadcasts. After a reconnection it joins again, so a tablet that dropped out is
 * right again at once, its own ballot included. A secret ballot's receipt (needed to change it)
 * is kept in sessionStorage under the vote's id.
 */
(function () {
  "use strict";

  var root = document.getElementById("meeting-room");
  var dataNode = document.getElementById("meeting-data");
  if (!root || !dataNode || typeof window.io !== "function") {
    return;
  }

  var config = JSON.parse(dataNode.textContent);
  var W = config.words;
  var state = config.state;
  var itemsById = {};
  var ui = {
    pendingChoice: null, // chosen, not yet confirmed
    changing: false, // the member asked to change a ballot already cast
    result: null, // the last vote.closed, shown until dismissed
    panelShown: false,
    tallies: {}, // item id -> tally (chair and secretariat)
    tallyHeard: {}, // item id -> positions.changed heard for it (newer than a fetch on its way)
    notes: {}, // item id -> the positions with a note (the chair and the secretariat)
    questionEdited: false
  };
  var csrfMeta = document.querySelector('meta[name="csrf-token"]');
  var csrfToken = csrfMeta ? csrfMeta.content : "";
  var CHECK_IN_OPEN = ["published", "in_session", "adjourned"];
  var ACK_TIMEOUT = 10000;

  // --- helpers -----------------------------------------------------------------------------------

  function fmt(text, values) {
    return String(text).replace(/%\((\w+)\)[sd]/g, function (match, key) {
      return values[key] === undefined || values[key] === null ? "" : values[key];
    });
  }

  function one(selector, scope) {
    return (scope || root).querySelector(selector);
  }

  function all(selector, scope) {
    return Array.prototype.slice.call((scope || root).querySelectorAll(selector));
  }

  function show(element, visible) {
    if (element) {
      element.hidden = !visible;
    }
  }

  function setText(element, text) {
    if (element && element.textContent !== text) {
      element.textContent = text;
    }
  }

  function indexItems() {
    itemsById = {};
    (state.items || []).forEach(function (item) {
      itemsById[item.id] = item;
    });
  }

  function itemLabel(itemId) {
    var item = itemsById[itemId];
    return item ? fmt(W.item, {n: item.position}) : "";
  }

  var toastTimer = null;

  function toast(message) {
    var box = one("[data-toast]");
    if (!box) {
      return;
    }
    box.textContent = message;
    box.hidden = false;
    window.clearTimeout(toastTimer);
    toastTimer = window.setTimeout(function () {
      box.hidden = true;
    }, 7000);
  }

  function errorMessage(answer) {
    return (answer && answer.error && answer.error.message) || W.error;
  }

  // --- talking to the server ---------------------------------------------------------------------

  var socket = window.io("/live", {reconnectionDelayMax: 5000});

  /** Emit with an acknowledgement; ``done(ack)`` gets {ok: false, error} on a timeout too. */
  function send(event, payload, done) {
    socket.timeout(ACK_TIMEOUT).emit(event, payload, function (err, ack) {
      if (err) {
        ack = {ok: false, error: {code: "timeout", message: W.noAnswer}};
      }
      if (!ack || !ack.ok) {
        toast(errorMessage(ack));
      }
      if (done) {
        done(ack || {ok: false});
      }
    });
  }

  function withMeeting(payload) {
    payload.meeting_id = config.meetingId;
    return payload;
  }

  function api(method, url, body) {
    var options = {
      method: method,
      credentials: "same-origin",
      headers: {"Accept": "application/json", "X-CSRFToken": csrfToken}
    };
    if (body !== undefined) {
      options.headers["Content-Type"] = "application/json";
      options.body = JSON.stringify(body);
    }
    return fetch(url, options).then(function (response) {
      if (response.status === 204) {
        return {};
      }
      return response.json().catch(function () {
        return {};
      }).then(function (data) {
        if (!response.ok) {
          var error = new Error(errorMessage(data));
          error.data = data;
          throw error;
        }
        return data;
      });
    });
  }

  // Positions this tablet saved while a join was on its way: the join's snapshot may have been
  // taken before they committed, and must not undo them on screen.
  var savedSinceJoin = {};

  function join() {
    savedSinceJoin = {};
    send("meeting.join", {meeting_id: config.meetingId}, function (ack) {
      if (ack.ok) {
        state = ack.state;
        Object.assign(state.me.positions, savedSinceJoin);
        indexItems();
        render();
        refreshTallies();
      }
    });
  }

  function connection(name) {
    var badge = one("[data-connection]");
    if (badge) {
      badge.dataset.state = name;
      setText(badge, W[name]);
    }
  }

  socket.on("connect", function () {
    connection("online");
    join();
  });
  socket.on("disconnect", function (reason) {
    connection("offline");
    if (reason === "io server disconnect") {
      // The server cut this connection (the session ended or the token was revoked) and will
      // not take it back: reloading shows the sign-in page when the session is gone.
      window.location.reload();
    }
  });
  socket.on("connect_error", function () {
    connection("offline");
  });

  socket.on("meeting.rejoin", function (data) {
    // The agenda or the invitations changed: what this tablet may hear is decided again.
    if (data.meeting_id === config.meetingId) {
      join();
    }
  });

  socket.on("meeting.state", function (pub) {
    if (pub.meeting_id !== config.meetingId) {
      return;
    }
    state.status = pub.status;
    state.current_item_id = pub.current_item_id;
    state.attendance = pub.attendance;
    state.speakers = pub.speakers;
    state.adopted_item_ids = pub.adopted_item_ids;
    if (pub.uncontested_item_ids) {
      state.uncontested_item_ids = pub.uncontested_item_ids;
      state.uncontested_rule = pub.uncontested_rule;
    }
    var known = state.open_vote;
    if (!pub.open_vote) {
      state.open_vote = null;
    } else if (known && known.vote_id === pub.open_vote.vote_id) {
      known.cast = pub.open_vote.cast;
      known.eligible = pub.open_vote.eligible;
    } else if (config.isVoter || config.isOrganiser) {
      join(); // a vote this tablet has not heard of: ask for the whole state, own ballot included
      return;
    } else {
      state.open_vote = pub.open_vote;
    }
    markMyAttendance();
    render();
  });

  socket.on("agenda.current", function (data) {
    if (data.meeting_id === config.meetingId) {
      state.current_item_id = data.agenda_item_id;
      render();
    }
  });

  socket.on("attendance.changed", function (data) {
    if (data.meeting_id === config.meetingId) {
      state.attendance = data;
      markMyAttendance();
      render();
    }
  });

  socket.on("speakers.changed", function (data) {
    if (data.meeting_id === config.meetingId && data.agenda_item_id === state.current_item_id) {
      state.speakers = data;
      render();
    }
  });

  // Only the chair's and the secretariat's connections are in the room that hears this.
  socket.on("positions.changed", function (data) {
    if (data.meeting_id === config.meetingId) {
      ui.tallies[data.agenda_item_id] = data.tally;
      if (data.uncontested_item_ids) {
        state.uncontested_item_ids = data.uncontested_item_ids;
      }
      ui.tallyHeard[data.agenda_item_id] = (ui.tallyHeard[data.agenda_item_id] || 0) + 1;
      renderAgenda();
      renderConsole();
      refreshNotes(data.agenda_item_id); // the broadcast carries counts, never who said what
    }
  });

  socket.on("vote.opened", function (vote) {
    var me = state.me || {};
    var eligible = config.isVoter && !!me.checked_in;
    state.open_vote = Object.assign({cast: 0}, vote, {
      mine: {eligible: eligible, voted: false, choice: null}
    });
    ui.result = null;
    ui.pendingChoice = null;
    ui.changing = false;
    render();
  });

  socket.on("vote.progress", function (data) {
    var open = state.open_vote;
    if (open && open.vote_id === data.vote_id) {
      open.cast = data.cast;
      open.eligible = data.eligible;
      renderVote();
      renderConsole();
    }
  });

  socket.on("vote.closed", function (result) {
    var open = state.open_vote;
    if (open && open.vote_id === result.vote_id) {
      result.question = open.question;
    }
    state.open_vote = null;
    ui.result = result;
    ui.pendingChoice = null;
    ui.changing = false;
    forgetBallot(result.vote_id);
    addResult(result);
    render();
  });

  function markMyAttendance() {
    if (state.me && state.attendance) {
      state.me.checked_in = state.attendance.present.indexOf(config.userId) !== -1;
    }
  }

  // --- secret ballots: the receipt stays on this tablet ------------------------------------------

  function ballotKey(voteId) {
    return "ecabinet.ballot." + voteId;
  }

  function storedBallot(voteId) {
    try {
      return JSON.parse(window.sessionStorage.getItem(ballotKey(voteId)) || "null");
    } catch (e) {
      return null;
    }
  }

  function storeBallot(voteId, ballot) {
    try {
      window.sessionStorage.setItem(ballotKey(voteId), JSON.stringify(ballot));
    } catch (e) {
      // private mode: the ballot counts all the same; changing it will need a reload
    }
  }

  function forgetBallot(voteId) {
    try {
      window.sessionStorage.removeItem(ballotKey(voteId));
    } catch (e) {
      // nothing kept
    }
  }

  // --- rendering ---------------------------------------------------------------------------------

  function render() {
    renderStatus();
    renderAttendance();
    renderAgenda();
    renderCurrent();
    renderVote();
    renderConsole();
  }

  function renderStatus() {
    root.dataset.status = state.status;
    var badge = one("[data-status-badge]");
    if (badge) {
      badge.className = "status-badge status-" + state.status;
      setText(badge, W.status[state.status] || state.status);
    }
    all("[data-show-when]").forEach(function (element) {
      show(element, element.dataset.showWhen.split(" ").indexOf(state.status) !== -1);
    });
  }

  function renderAttendance() {
    var attendance = state.attendance || {present: [], quorum: {}};
    var quorum = attendance.quorum || {};
    setText(one("[data-present]"), String(quorum.present || 0));
    setText(one("[data-total]"), String(quorum.total || 0));
    var badge = one("[data-quorum]");
    if (badge) {
      badge.classList.toggle("is-reached", !!quorum.reached);
      setText(badge, quorum.reached ? W.quorumReached : W.quorumMissing);
    }
    setText(one("[data-needed]"), fmt(W.needed, {n: quorum.needed || 0}));
    var me = state.me || {};
    var open = CHECK_IN_OPEN.indexOf(state.status) !== -1;
    show(one("[data-action=checkin]"), config.isParticipant && open && !me.checked_in);
    show(one("[data-checked-in]"), config.isParticipant && !!me.checked_in);
    all(".person[data-user-id]").forEach(function (row) {
      var here = attendance.present.indexOf(Number(row.dataset.userId)) !== -1;
      row.classList.toggle("is-present", here);
      setText(one("[data-presence-text]", row), here ? W.present : W.absent);
    });
  }

  function renderAgenda() {
    var adopted = state.adopted_item_ids || [];
    var positions = (state.me && state.me.positions) || {};
    all(".room-item[data-item-id]").forEach(function (row) {
      var id = Number(row.dataset.itemId);
      var current = id === state.current_item_id && state.status !== "published";
      row.classList.toggle("is-current", current);
      if (current) {
        row.setAttribute("aria-current", "step");
      } else {
        row.removeAttribute("aria-current");
      }
      show(one("[data-live]", row), current);
      show(one("[data-adopted]", row), adopted.indexOf(id) !== -1);
      var mine = positions[String(id)];
      all("[data-stance]", row).forEach(function (button) {
        button.setAttribute("aria-pressed", String(!!mine && mine.stance === button.dataset.stance));
      });
      // An item adopted without discussion needs no more positions.
      var stated = one("[data-positions]", row);
      if (stated && adopted.indexOf(id) !== -1) {
        stated.hidden = true;
      }
      var note = one("[data-note]", row);
      if (note && document.activeElement !== note && !note.dataset.dirty) {
        note.value = (mine && mine.note) || "";
        if (note.value && !note.dataset.shown) {
          note.dataset.shown = "1"; // a note stated earlier is shown once, then left as the user sets it
          note.closest("details").open = true;
        }
      }
      var go = one("[data-action=go-to]", row);
      if (go) {
        go.disabled = current;
      }
      var tally = one("[data-tally]", row);
      if (tally) {
        var counts = ui.tallies[id];
        setText(tally, counts ? fmt(W.tally, counts) : "");
      }
      var notes = one("[data-position-notes]", row);
      if (notes) {
        notes.replaceChildren.apply(notes, (ui.notes[id] || []).map(function (p) {
          var li = document.createElement("li");
          var who = document.createElement("strong");
          who.textContent = p.name + " (" + (W.stances[p.stance] || p.stance) + "): ";
          li.appendChild(who);
          li.appendChild(document.createTextNode(p.note));
          return li;
        }));
      }
    });
  }

  function currentSpeakers() {
    var speakers = state.speakers;
    if (!speakers || speakers.agenda_item_id !== state.current_item_id) {
      return [];
    }
    return speakers.queue || [];
  }

  function renderCurrent() {
    var card = one("#now");
    if (!card) {
      return;
    }
    var item = itemsById[state.current_item_id];
    var title = one("[data-current-title]", card);
    if (state.current_item_id === null || state.current_item_id === undefined) {
      setText(title, W.noCurrent);
      setText(one("[data-current-meta]", card), "");
    } else if (!item) {
      setText(title, W.hiddenItem);
      setText(one("[data-current-meta]", card), "");
    } else {
      setText(title, fmt(W.item, {n: item.position}) + ". " + item.title);
      var meta = [item.presenting_agency, item.presenter && item.presenter.name,
        item.duration_min && fmt(W.minutes, {n: item.duration_min})].filter(Boolean);
      setText(one("[data-current-meta]", card), meta.join(" · "));
    }

    var queue = currentSpeakers();
    var speaking = queue.filter(function (r) { return r.status === "speaking"; })[0];
    var waiting = queue.filter(function (r) { return r.status === "waiting"; });
    var now = one("[data-speaker-now]", card);
    show(now, !!speaking);
    if (speaking) {
      setText(one("[data-speaker-name]", now),
        speaking.user_id === config.userId ? speaking.name + " — " + W.youSpeak : speaking.name);
      now.dataset.startedAt = speaking.started_at || "";
      now.dataset.limit = String((state.speakers && state.speakers.limit_seconds) || 300);
      tick();
    }
    var list = one("[data-speaker-queue]", card);
    var signature = JSON.stringify(waiting.map(function (r) { return r.request_id; }));
    if (list.dataset.signature !== signature) {
      list.dataset.signature = signature;
      list.textContent = "";
      waiting.forEach(function (request) {
        var li = document.createElement("li");
        li.className = "speaker" + (request.user_id === config.userId ? " is-me" : "");
        var name = document.createElement("span");
        name.className = "speaker-name";
        name.textContent = request.name;
        li.appendChild(name);
        if (config.isChair) {
          var give = document.createElement("button");
          give.type = "button";
          give.className = "btn btn-small";
          give.dataset.action = "give-floor";
          give.dataset.requestId = String(request.request_id);
          give.textContent = W.giveFloor;
          li.appendChild(give);
        }
        list.appendChild(li);
      });
    }
    show(one("[data-speaker-empty]", card), !speaking && waiting.length === 0);

    var mine = queue.filter(function (r) { return r.user_id === config.userId; })[0];
    var live = state.status === "in_session" && !!item;
    show(one("[data-action=request-floor]", card), config.isParticipant && live && !mine);
    show(one("[data-action=withdraw-floor]", card), live && !!mine && mine.status === "waiting");
  }

  function pad(n) {
    return (n < 10 ? "0" : "") + n;
  }

  function tick() {
    var now = one("[data-speaker-now]");
    if (!now || now.hidden || !now.dataset.startedAt) {
      return;
    }
    var started = Date.parse(now.dataset.startedAt);
    var seconds = Math.max(0, Math.floor((Date.now() - started) / 1000));
    var timer = one("[data-timer]", now);
    setText(timer, pad(Math.floor(seconds / 60)) + ":" + pad(seconds % 60));
    timer.classList.toggle("is-over", seconds > Number(now.dataset.limit || 300));
  }

  window.setInterval(tick, 1000);

  function myBallot(open) {
    var mine = open.mine || {eligible: false, voted: false, choice: null};
    if (open.secret && mine.voted && !mine.choice) {
      var kept = storedBallot(open.vote_id);
      if (kept) {
        return {eligible: mine.eligible, voted: true, choice: kept.choice, secret: true};
      }
    }
    return mine;
  }

  function renderVote() {
    var panel = document.getElementById("vote-panel");
    if (!panel) {
      return;
    }
    var open = state.open_vote && state.open_vote.question !== undefined ? state.open_vote : null;
    var result = ui.result;
    var visible = !!open || !!result;
    show(panel, visible);
    if (!visible) {
      ui.panelShown = false;
      return;
    }
    panel.classList.toggle("is-result", !open);
    var voteItem = open ? open.agenda_item_id : result.agenda_item_id;
    setText(one("[data-vote-item]", panel), itemsById[voteItem] ?
      fmt(W.voteOn, {n: itemsById[voteItem].position}) : "");
    setText(one("[data-vote-question]", panel), (open ? open.question : result.question) || "");
    setText(one("[data-vote-rule]", panel), W.rule[(open || result).rule] || "");
    show(one("[data-vote-secret]", panel), !!(open && open.secret));
    show(one("[data-vote-open]", panel), !!open);
    show(one("[data-vote-result]", panel), !open);

    if (open) {
      var mine = myBallot(open);
      var canVote = !!mine.eligible;
      var choosing = canVote && !ui.pendingChoice && (!mine.voted || ui.changing);
      show(one("[data-vote-choices]", panel), choosing);
      all("[data-choice]", panel).forEach(function (button) {
        button.classList.toggle("is-current", mine.voted && mine.choice === button.dataset.choice);
      });
      show(one("[data-vote-confirm]", panel), canVote && !!ui.pendingChoice);
      setText(one("[data-confirm-choice]", panel), ui.pendingChoice ? W.choice[ui.pendingChoice] : "");
      var done = canVote && mine.voted && !ui.changing && !ui.pendingChoice;
      show(one("[data-vote-done]", panel), done);
      setText(one("[data-done-choice]", panel),
        mine.choice ? W.choice[mine.choice] : W.secretVoted);
      var note = one("[data-vote-note]", panel);
      show(note, !canVote);
      setText(note, config.isVoter ? W.notEligible : W.observer);
      var cast = open.cast || 0;
      var eligible = open.eligible || 0;
      one("[data-progress-bar]", panel).style.width =
        (eligible ? Math.round(100 * cast / eligible) : 0) + "%";
      setText(one("[data-progress-text]", panel), fmt(W.progress, {cast: cast, eligible: eligible}));
    } else {
      setText(one("[data-outcome]", panel), W.outcome[result.outcome] || result.outcome);
      one("[data-outcome]", panel).className = "outcome outcome-" + result.outcome;
      ["yes", "no", "abstain", "absent"].forEach(function (key) {
        setText(one('[data-result="' + key + '"]', panel), String(result.tally[key]));
      });
      show(one("[data-decided-by-chair]", panel), !!result.decided_by_chair);
    }
    if (!ui.panelShown) {
      ui.panelShown = true;
      if (open && panel.scrollIntoView) {
        panel.scrollIntoView({behavior: "smooth", block: "start"});
      }
    }
  }

  function addResult(result) {
    var row = one('.room-item[data-item-id="' + result.agenda_item_id + '"]');
    var box = row && one("[data-results]", row);
    if (!box) {
      return;
    }
    var line = document.createElement("div");
    line.className = "result-line outcome-" + result.outcome;
    var outcome = document.createElement("strong");
    outcome.textContent = W.outcome[result.outcome] || result.outcome;
    line.appendChild(outcome);
    if (result.question) {
      var question = document.createElement("span");
      question.textContent = result.question;
      line.appendChild(question);
    }
    var counts = document.createElement("span");
    counts.className = "muted";
    counts.textContent = fmt(W.result, result.tally);
    line.appendChild(counts);
    box.appendChild(line);
  }

  // The server decides which items may be adopted without discussion (one rule, in
  // meetings/queries.py); the tablet only shows its list.
  function uncontestedItems() {
    var offered = state.uncontested_item_ids || [];
    return (state.items || []).filter(function (item) {
      return offered.indexOf(item.id) !== -1;
    });
  }

  function renderConsole() {
    var console_ = one("#chair-console");
    if (!console_) {
      return;
    }
    var live = state.status === "in_session";
    var ids = (state.items || []).map(function (item) { return item.id; });
    var at = ids.indexOf(state.current_item_id);
    one("[data-action=prev-item]", console_).disabled = !live || at <= 0;
    one("[data-action=next-item]", console_).disabled = !live || at >= ids.length - 1;
    var queue = currentSpeakers();
    one("[data-action=give-floor]", console_).disabled = !queue.some(function (r) {
      return r.status === "waiting";
    });
    one("[data-action=finish-speaker]", console_).disabled = !queue.some(function (r) {
      return r.status === "speaking";
    });

    var open = state.open_vote;
    var form = one("[data-vote-form]", console_);
    show(form, !open);
    show(one("[data-vote-running]", console_), !!open);
    if (open) {
      setText(one("[data-console-progress]", console_),
        fmt(W.progress, {cast: open.cast || 0, eligible: open.eligible || 0}));
    }
    var item = itemsById[state.current_item_id];
    form.querySelector("button[type=submit]").disabled = !item;
    var question = form.elements.question;
    if (item && !ui.questionEdited && question.dataset.itemId !== String(item.id)) {
      question.value = fmt(W.defaultQuestion, {title: item.title});
      question.dataset.itemId = String(item.id);
    }

    var uncontested = uncontestedItems();
    setText(one("[data-uncontested]", console_), uncontested.length ?
      fmt(W.uncontested, {list: uncontested.map(function (i) { return i.position; }).join(", ")}) :
      W.noUncontested);
    one("[data-action=adopt-uncontested]", console_).disabled = !uncontested.length;
  }

  // --- positions (chair and secretariat see the tally) -------------------------------------------

  // Fetched after each join (what changed while this page was not in the room); from then on
  // positions.changed keeps them right. A fetch answered after a broadcast it may predate is
  // not shown.
  // The notes members wrote to their positions: the chair and the secretariat read them from the
  // positions API (a broadcast never carries them).
  function refreshNotes(itemId) {
    api("GET", config.urls.positions.replace("{id}", itemId)).then(function (data) {
      ui.notes[itemId] = (data.positions || []).filter(function (p) { return p.note; });
      renderAgenda();
    }).catch(function () {
      // a help, not a requirement
    });
  }

  function refreshTallies() {
    if (!config.isChair && !config.isOrganiser) {
      return;
    }
    (state.items || []).forEach(function (item) {
      var heard = ui.tallyHeard[item.id] || 0;
      api("GET", config.urls.positions.replace("{id}", item.id)).then(function (data) {
        if ((ui.tallyHeard[item.id] || 0) !== heard) {
          return;
        }
        ui.tallies[item.id] = data.tally;
        ui.notes[item.id] = (data.positions || []).filter(function (p) { return p.note; });
        renderAgenda();
        renderConsole();
      }).catch(function () {
        // the tally is a help, not a requirement: leave it out
      });
    });
  }

  function savePosition(row, stance) {
    var id = Number(row.dataset.itemId);
    var note = one("[data-note]", row);
    var status = one("[data-position-status]", row);
    api("PUT", config.urls.positions.replace("{id}", id), {
      stance: stance, note: note && note.value.trim() ? note.value.trim() : null
    }).then(function (data) {
      state.me.positions[String(id)] = {stance: data.stance, note: data.note};
      savedSinceJoin[String(id)] = state.me.positions[String(id)];
      if (note) {
        delete note.dataset.dirty;
      }
      setText(status, W.saved);
      renderAgenda(); // a chair's own tally comes with positions.changed, like anyone's
    }).catch(function (error) {
      toast(error.message);
    });
  }

  // --- actions -----------------------------------------------------------------------------------

  function currentItemPayload(extra) {
    var payload = withMeeting({agenda_item_id: state.current_item_id});
    return Object.assign(payload, extra || {});
  }

  function setCurrent(itemId) {
    send("agenda.set_current", withMeeting({agenda_item_id: itemId}));
  }

  function busy(button, promiseLike) {
    if (button) {
      button.disabled = true;
    }
    promiseLike(function () {
      if (button) {
        button.disabled = false;
      }
      render();
    });
  }

  var actions = {
    "checkin": function (button) {
      busy(button, function (done) {
        send("attendance.checkin", withMeeting({}), function (ack) {
          if (ack.ok) {
            state.me.checked_in = true;
          }
          done();
        });
      });
    },
    "request-floor": function (button) {
      busy(button, function (done) {
        send("speaker.request", currentItemPayload(), done);
      });
    },
    "withdraw-floor": function (button) {
      busy(button, function (done) {
        send("speaker.withdraw", currentItemPayload(), done);
      });
    },
    "give-floor": function (button) {
      var requestId = button.dataset.requestId ? Number(button.dataset.requestId) : null;
      busy(button, function (done) {
        send("speaker.give_floor", currentItemPayload({request_id: requestId}), done);
      });
    },
    "finish-speaker": function (button) {
      busy(button, function (done) {
        send("speaker.finish", currentItemPayload(), done);
      });
    },
    "go-to": function (button) {
      setCurrent(Number(button.dataset.itemId));
    },
    "next-item": function () {
      var ids = (state.items || []).map(function (item) { return item.id; });
      var at = ids.indexOf(state.current_item_id);
      if (at < ids.length - 1) {
        setCurrent(ids[at + 1]);
      }
    },
    "prev-item": function () {
      var ids = (state.items || []).map(function (item) { return item.id; });
      var at = ids.indexOf(state.current_item_id);
      if (at > 0) {
        setCurrent(ids[at - 1]);
      }
    },
    "close-vote": function (button) {
      var open = state.open_vote;
      if (!open || !window.confirm(W.closeConfirm)) {
        return;
      }
      busy(button, function (done) {
        send("vote.close", {vote_id: open.vote_id}, done);
      });
    },
    "confirm-ballot": function (button) {
      var open = state.open_vote;
      var choice = ui.pendingChoice;
      if (!open || !choice) {
        return;
      }
      var payload = {vote_id: open.vote_id, choice: choice};
      var kept = open.secret ? storedBallot(open.vote_id) : null;
      if (kept && kept.receipt) {
        payload.receipt = kept.receipt;
      }
      busy(button, function (done) {
        send("ballot.cast", payload, function (ack) {
          ui.pendingChoice = null;
          if (ack.ok) {
            if (ack.receipt) {
              storeBallot(ack.vote_id, {receipt: ack.receipt, choice: ack.choice});
            }
            if (state.open_vote && state.open_vote.vote_id === ack.vote_id) {
              state.open_vote.mine = {eligible: true, voted: true, choice: ack.choice};
            }
            ui.changing = false;
          }
          done();
        });
      });
    },
    "cancel-ballot": function () {
      ui.pendingChoice = null;
      renderVote();
    },
    "change-ballot": function () {
      ui.changing = true;
      renderVote();
    },
    "dismiss-result": function () {
      ui.result = null;
      renderVote();
    },
    "adopt-uncontested": function (button) {
      var items = uncontestedItems();
      if (!items.length) {
        return;
      }
      var list = items.map(function (i) { return i.position; }).join(", ");
      if (!window.confirm(fmt(W.adoptConfirm, {list: list}))) {
        return;
      }
      busy(button, function (done) {
        api("POST", config.urls.adopt, {item_ids: items.map(function (i) { return i.id; })})
          .then(function () {
            toast(W.adopted);
            refreshTallies();
          })
          .catch(function (error) {
            toast(error.message);
          })
          .then(done);
      });
    },
    "refresh-tally": function () {
      refreshTallies();
    },
    "save-note": function (button) {
      var row = button.closest(".room-item");
      var mine = state.me.positions[row.dataset.itemId];
      savePosition(row, mine ? mine.stance : "agree");
    }
  };

  root.addEventListener("click", function (event) {
    var target = event.target.closest("button");
    if (!target || target.disabled || !root.contains(target)) {
      return;
    }
    if (target.dataset.choice) {
      ui.pendingChoice = target.dataset.choice;
      renderVote();
      var confirm = one("[data-action=confirm-ballot]");
      if (confirm) {
        confirm.focus();
      }
      return;
    }
    if (target.dataset.stance) {
      savePosition(target.closest(".room-item"), target.dataset.stance);
      return;
    }
    if (target.dataset.transition) {
      var to = target.dataset.transition;
      if (to === "adjourned" && !window.confirm(W.adjournConfirm)) {
        return;
      }
      if (to === "closed" && !window.confirm(W.endConfirm)) {
        return;
      }
      busy(target, function (done) {
        api("POST", config.urls.transition, {to: to}).then(function (meeting) {
          state.status = meeting.status;
        }).catch(function (error) {
          toast(error.message);
        }).then(done);
      });
      return;
    }
    var action = actions[target.dataset.action];
    if (action) {
      action(target);
    }
  });

  root.addEventListener("input", function (event) {
    if (event.target.matches("[data-note]")) {
      event.target.dataset.dirty = "1";
    }
    if (event.target.name === "question") {
      ui.questionEdited = true;
    }
  });

  var voteForm = one("[data-vote-form]");
  if (voteForm) {
    voteForm.addEventListener("submit", function (event) {
      event.preventDefault();
      var button = voteForm.querySelector("button[type=submit]");
      var question = voteForm.elements.question.value.trim();
      if (!question) {
        voteForm.elements.question.focus();
        return;
      }
      busy(button, function (done) {
        send("vote.open", currentItemPayload({
          question: question,
          secret: voteForm.elements.secret.checked,
          rule: voteForm.elements.rule.value
        }), function (ack) {
          if (ack.ok) {
            ui.questionEdited = false;
            voteForm.elements.question.dataset.itemId = "";
            voteForm.elements.secret.checked = false;
          }
          done();
        });
      });
    });
  }

  indexItems();
  render();
})();
