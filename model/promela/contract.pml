/* model/promela/contract.pml: the delivery contract of SPEC.md for SPIN.
 *
 * An independent statement of the model in model/model.cpp, written as a
 * second model checker reads it: one d_step per action (no intermediate
 * state is stored), the abstract state as the state vector, the state
 * invariants as assertions after every step and the transition invariant
 * T inside the step. `lastword explore --promela FILE` writes this file with
 * the scope on top: the marks (HIGH, LOW), the flaw (FLAW), the actions in
 * scope (HAS_*), and one choice per peer script that fills the script's
 * frame tables. The tables are hidden (constant along a path, not part of
 * the state): the state vector is exactly lastword's packed state, so the
 * reachable states correspond one to one, plus the one state before the
 * script is chosen.
 *
 * The scope part defines: NSCRIPTS, MAXFR (frames of the longest script), MAXD (its
 * data frames), MAXM (messages), SCRIPT_BITS, HIGH, LOW, MAXSENDS (the
 * consumer's sends while open), FLAW and HAS_*.
 *
 * The send side (SPEC S) is counted: messages sent while open, written, and
 * the messages ahead of our close frame in the write order (close_at, which
 * follows `sent` until our close frame is queued); our writes flow, stall
 * (with or without a pong among the waiting bytes) or were dropped by the
 * close timer.
 */

#define END_NONE    0
#define END_CLOSE   1  /* the peer's close frame was read */
#define END_FAILED  2  /* a bad frame failed the connection */
#define END_EOF     3
#define END_RESET   4
#define END_TIMEOUT 5  /* our close timer gave up on the peer */

#define CALL_NONE         0
#define CALL_RECV         1
#define CALL_RECV_TIMEOUT 2
#define CALL_STREAMING    3

#define W_FLOWING      0
#define W_STALLED      1
#define W_STALLED_PONG 2  /* ... and a pong is among the bytes waiting */
#define W_DROPPED      3  /* our close timer dropped the transport */

#define K_PING 0
#define K_DATA 1
#define K_END  2

#define SC_CLOSE 0
#define SC_BAD   1
#define SC_NONE  2

#define FLAW_CLOSED_BEFORE_DRAIN  1
#define FLAW_END_CLEARS_QUEUE     2
#define FLAW_ZERO_TIMEOUT_FIRST   3
#define FLAW_NO_TIMEOUT_IF_PAUSED 4
#define FLAW_CANCEL_LOSES_MESSAGE 5
#define FLAW_CLOSE_OVERTAKES_SEND 6  /* S: a send in close()'s turn goes after the close frame */
#define FLAW_CLOSE_IGNORES_WRITES 7  /* S: close() returns with sent messages unwritten */
#define FLAW_CLOSED_WAITS_FOR_ECHO 8 /* L: ConnectionClosed waits for the echo to be written */

/* The state vector: lastword's model::state, field for field. */
unsigned script : SCRIPT_BITS;
byte offered;    /* peer frames offered to the transport */
byte rd;         /* peer frames the reader has read */
byte consumed;   /* data frames handed to the consumer */
byte delivered;  /* whole messages returned */
byte taken;      /* fragments taken by the pending streaming call */
byte yielded;    /* fragments a stream returned before it raised */
byte endr;       /* END_* */
byte call;       /* CALL_* */
byte sent;       /* messages send() was called for while open */
byte written;    /* ... of them written */
byte close_at;   /* messages ahead of our close frame in the write order */
byte writes;     /* W_* */
bit eof, rst, reader_done, closing, close_pending, timer, paused, raised;
bit close_written;  /* our close frame (or the echo) was written */
bit close_early;     /* a close() returned with sent messages unwritten, the transport up */

/* The chosen script's frames (constant along a path). */
hidden byte nframes, nmsg, scend;
hidden byte kind[MAXFR + 1];  /* frame i: K_PING, K_DATA or K_END */
hidden byte dfr[MAXFR + 1];   /* data frames among the first r frames, up to the end frame */
hidden byte cmr[MAXFR + 1];   /* complete messages among the first r frames, up to the end frame */
hidden byte dfin[MAXD + 1];   /* data frame j ends its message */
hidden byte cm[MAXD + 1];     /* complete messages among the first x data frames */
hidden byte mfr[MAXM + 1];    /* frames of message m */
hidden byte dfm[MAXM + 1];    /* frames of the first m messages */

/* Temporaries of one step. */
hidden byte received, complete, cq, fin_, dl;
hidden byte progressed, rt, ct, ready, timed_out, ended, was_open;
hidden byte b_offered, b_rd, b_consumed, b_delivered, b_taken, b_yielded, b_endr, b_call;
hidden byte b_eof, b_rst, b_reader_done, b_closing, b_close_pending, b_timer, b_paused, b_raised;
hidden byte b_sent, b_written, b_close_at, b_writes, b_close_written, b_close_early;
hidden short queued;

#define OPEN_FOR_SEND (endr == END_NONE && !closing)
#define CLOSE_QUEUED (closing || endr == END_CLOSE || endr == END_FAILED)
#define WRITABLE (CLOSE_QUEUED -> close_at : sent)
#define STALLED (writes == W_STALLED || writes == W_STALLED_PONG)
#define WRITES_PENDING (STALLED && (writes == W_STALLED_PONG || written < WRITABLE || (CLOSE_QUEUED && !close_written)))
/* The close timer can still expire: while reading goes on, and while a
 * close() waits for our writes after it ended. */
#define TIMER_LIVE (timer && (!reader_done || WRITES_PENDING))

/* What is queued is written in order: the messages ahead of our close
 * frame, then the close frame; nothing while writes are stalled. */
inline write_out() {
  if
  :: !CLOSE_QUEUED -> close_at = sent
  :: else -> skip
  fi;
  if
  :: writes == W_FLOWING ->
     written = WRITABLE;
     if
     :: CLOSE_QUEUED -> close_written = 1
     :: else -> skip
     fi
  :: else -> skip
  fi
}

/* Complete messages among the queued data frames (read, not consumed). */
inline complete_queued() {
  received = dfr[rd];
  cq = cm[received] - cm[(consumed < received -> consumed : received)]
}

inline read_available() {
  if
  :: reader_done -> skip
  :: !reader_done && paused && endr == END_NONE -> skip  /* F: no reading above the high mark */
  :: else ->
     if
     :: rd < offered ->
        do
        :: rd < offered ->
           if
           :: endr == END_NONE && kind[rd] == K_PING && !closing && writes == W_STALLED -> writes = W_STALLED_PONG
           :: else -> skip  /* a ping is answered while open: its pong waits while writes are stalled */
           fi;
           if
           :: endr == END_NONE && kind[rd] == K_END -> endr = (scend == SC_CLOSE -> END_CLOSE : END_FAILED)
           :: else -> skip  /* data is queued, a ping answered; after the end, discarded */
           fi;
           rd++
        :: else -> break
        od;
        complete_queued();
        if
        :: endr == END_NONE && dfr[rd] - consumed > HIGH && cq > 0 -> paused = 1
        :: else -> skip
        fi
     :: else -> skip
     fi;
     if
     :: endr != END_NONE -> paused = 0
     :: else -> skip
     fi;
     /* The transport's end, once everything before it was read. */
     if
     :: !paused && (rst || (eof && rd == offered)) ->
        reader_done = 1;
        if
        :: endr == END_NONE ->
           endr = (rst -> END_RESET : END_EOF);
#if FLAW == FLAW_END_CLEARS_QUEUE
           consumed = dfr[rd]
#else
           skip
#endif
        :: else -> skip
        fi
     :: else -> skip
     fi
  fi
}

inline consumer_progress() {
  progressed = 0;
  received = dfr[rd];
  complete = cmr[rd];
#if FLAW == FLAW_CLOSED_WAITS_FOR_ECHO
  ended = (endr != END_NONE && !(endr == END_CLOSE && !close_written && writes != W_DROPPED));
#else
  ended = (endr != END_NONE);
#endif
  if
  :: call == CALL_RECV || call == CALL_RECV_TIMEOUT ->
     if
#if FLAW == FLAW_CLOSED_BEFORE_DRAIN
     :: ended -> raised = 1; call = CALL_NONE; progressed = 1
#endif
     :: complete > delivered && consumed + mfr[delivered] <= received ->
        consumed = consumed + mfr[delivered];
        delivered++;
        call = CALL_NONE;
        progressed = 1
     :: else ->
        if
        :: ended -> raised = 1; call = CALL_NONE; progressed = 1  /* ConnectionClosed */
        :: else -> skip
        fi
     fi
  :: call == CALL_STREAMING ->
     do
     :: consumed < received ->
        fin_ = dfin[consumed];
        consumed++;
        taken++;
        progressed = 1;
        if
        :: fin_ -> delivered++; taken = 0; call = CALL_NONE; break
        :: else -> skip
        fi
     :: else -> break
     od;
     if
     :: call == CALL_STREAMING && ended ->
        /* P: the fragments received were returned; the message never ends. */
        raised = 1;
        yielded = yielded + taken;
        taken = 0;
        call = CALL_NONE;
        progressed = 1
     :: else -> skip
     fi
  :: else -> skip
  fi
}

inline fire() {  /* rt: the recv timer expires; ct: the close timer expires */
  if
  :: rt && call == CALL_RECV_TIMEOUT -> call = CALL_NONE  /* X: a timed-out recv took nothing */
  :: else -> skip
  fi;
  if
  :: ct && TIMER_LIVE ->
     if
     :: WRITES_PENDING -> writes = W_DROPPED  /* S: what was unwritten fails with the transport */
     :: else -> skip
     fi;
     reader_done = 1;
     paused = 0;
     if
     :: endr == END_NONE ->
        endr = END_TIMEOUT;
#if FLAW == FLAW_END_CLEARS_QUEUE
        consumed = dfr[rd]
#else
        skip
#endif
     :: else -> skip
     fi
  :: else -> skip
  fi
}

inline save() {
  b_offered = offered; b_rd = rd; b_consumed = consumed; b_delivered = delivered; b_taken = taken;
  b_yielded = yielded; b_endr = endr; b_call = call; b_eof = eof; b_rst = rst; b_reader_done = reader_done;
  b_closing = closing; b_close_pending = close_pending; b_timer = timer; b_paused = paused; b_raised = raised;
  b_sent = sent; b_written = written; b_close_at = close_at; b_writes = writes; b_close_written = close_written;
  b_close_early = close_early
}
#define UNCHANGED (b_offered == offered && b_rd == rd && b_consumed == consumed && b_delivered == delivered && \
  b_taken == taken && b_yielded == yielded && b_endr == endr && b_call == call && b_eof == eof && b_rst == rst && \
  b_reader_done == reader_done && b_closing == closing && b_close_pending == close_pending && b_timer == timer && \
  b_paused == paused && b_raised == raised && b_sent == sent && b_written == written && b_close_at == close_at && \
  b_writes == writes && b_close_written == close_written && b_close_early == close_early)

#if FLAW == FLAW_CLOSE_IGNORES_WRITES
#define CLOSE_MAY_RETURN 1
#else
#define CLOSE_MAY_RETURN (!WRITES_PENDING)
#endif

#if FLAW == FLAW_NO_TIMEOUT_IF_PAUSED
#define TIMER_MAY_START (!paused)
#else
#define TIMER_MAY_START 1
#endif

/* What happens with nothing external: the reader reads what it may, the
 * pending call completes if it can, flow control resumes, the close timer
 * starts, close() returns; until nothing changes. */
inline settle() {
  do
  :: save();
     read_available();
     consumer_progress();
     complete_queued();
     queued = dfr[rd] - consumed;
     if
     :: paused && (queued <= LOW || cq == 0) -> paused = 0  /* F: resume */
     :: else -> skip
     fi;
     if
     :: !timer && (!reader_done || WRITES_PENDING) && (closing || endr == END_CLOSE || endr == END_FAILED) && TIMER_MAY_START ->
        timer = 1  /* L: the close timer runs while the handshake waits, or our close frame */
     :: else -> skip
     fi;
     write_out();
     if
     :: !timer && reader_done && close_pending && WRITES_PENDING -> timer = 1  /* close() waits for our writes */
     :: else -> skip
     fi;
     if
     :: close_pending && reader_done && CLOSE_MAY_RETURN -> close_pending = 0;  /* close() returns */
        if
        :: written < sent && writes != W_DROPPED -> close_early = 1  /* ... too early (S) */
        :: else -> skip
        fi
     :: else -> skip
     fi;
     if
     :: UNCHANGED -> break
     :: else -> skip
     fi
  od
}

/* The state invariants of SPEC.md (D, P, F, L, S). */
inline invariants() {
  /* Reading the script keeps it live: SPIN's dead-variable reduction would
   * otherwise reset a variable that is only written, and merge the states
   * of different scripts (their tables are hidden). */
  assert(script < NSCRIPTS);
  received = dfr[rd];
  complete = cmr[rd];
  dl = (delivered < nmsg -> delivered : nmsg);
  assert(consumed == dfm[dl] + taken + yielded && consumed <= received);  /* D: exactly once */
  assert(delivered <= complete);                                          /* D: nothing early */
  assert(!(raised && delivered < complete));                              /* D: closed only when drained */
  assert(!(taken > 0 && call != CALL_STREAMING));                         /* P */
  complete_queued();
  queued = received - consumed;
  assert(!(paused && (endr != END_NONE || queued <= LOW || cq == 0)));    /* F: paused only above the mark */
  assert(!(!paused && !reader_done && endr == END_NONE && rd < offered)); /* F: never stalled */
  assert(!((call == CALL_RECV || call == CALL_RECV_TIMEOUT) && (endr != END_NONE || complete > delivered)));  /* L */
  assert(!(call == CALL_STREAMING && (endr != END_NONE || consumed < received)));                           /* L */
  assert(!(close_pending && !timer && (!reader_done || WRITES_PENDING)))  /* L: close() has a timeout */
  assert(written <= sent);                                                /* S: each once */
  assert(!(close_written && close_at != sent));                           /* S: before our close frame */
  assert(!close_early)                                                    /* S: close() waits for them */
}

#define OPEN (!eof && !rst)
#define READ_ENABLED (offered < nframes && OPEN)
#define TIMER_RUNNING (call == CALL_RECV_TIMEOUT || TIMER_LIVE)

active proctype contract() {
  /* One choice per peer script: its frame tables, then its initial state
   * is checked. */
  /* @SCRIPTS@ */;
  do
#if HAS_READ_FRAME
  :: d_step { READ_ENABLED -> offered++; settle(); invariants() }
#endif
#if HAS_READ_ALL
  :: d_step { offered + 1 < nframes && OPEN -> offered = nframes; settle(); invariants() }
#endif
#if HAS_EOF
  :: d_step { OPEN -> eof = 1; settle(); invariants() }
#endif
#if HAS_RESET
#ifndef PLANTED_COUNT_BUG
  :: d_step { OPEN -> rst = 1; offered = rd; settle(); invariants() }  /* unread bytes are lost */
#else
  /* A wrong step on purpose (spin -DPLANTED_COUNT_BUG): the cross-check must
   * see the counts differ. */
  :: d_step { OPEN -> rst = 1; settle(); invariants() }
#endif
#endif
#if HAS_RECV
  :: d_step { call == CALL_NONE -> call = CALL_RECV; settle(); invariants() }
#endif
#if HAS_RECV || HAS_RECV_ZERO || HAS_RECV_TIMEOUT || HAS_STREAMING
  :: d_step { call != CALL_NONE -> skip }  /* K: a second call is busy and changes nothing */
#endif
#if HAS_RECV_TIMEOUT
  :: d_step { call == CALL_NONE -> call = CALL_RECV_TIMEOUT; settle(); invariants() }
#endif
#if HAS_STREAMING
  :: d_step { call == CALL_NONE -> call = CALL_STREAMING; settle(); invariants() }
#endif
#if HAS_RECV_ZERO
  :: d_step {
       call == CALL_NONE ->
       ready = (cmr[rd] > delivered);
#if FLAW == FLAW_ZERO_TIMEOUT_FIRST
       timed_out = 1;
#else
       call = CALL_RECV;
       consumer_progress();
       if
       :: !progressed -> call = CALL_NONE; timed_out = 1
       :: else -> timed_out = 0
       fi;
#endif
       assert(!(ready && timed_out));  /* T: a zero timeout only when nothing is complete */
       settle();
       invariants()
     }
#endif
#if HAS_CANCEL
  :: d_step {
       call != CALL_NONE ->
#if FLAW != FLAW_CANCEL_LOSES_MESSAGE
       consumed = consumed - taken;  /* X: a cancelled stream gives its fragments back */
#endif
       taken = 0;
       call = CALL_NONE;
       settle();
       invariants()
     }
#endif
#if HAS_CLOSE
  :: d_step {
       !closing && !close_pending ->
       close_pending = 1;
       if
       :: endr == END_NONE -> closing = 1  /* the close frame goes out only while we are open */
       :: else -> skip
       fi;
       settle();
       invariants()
     }
#endif
#if HAS_ADVANCE
  :: d_step { TIMER_RUNNING -> rt = 1; ct = 1; fire(); settle(); invariants() }
#endif
#if HAS_READ_FRAME_AND_ADVANCE
  /* The frame and the expired timers in the same turn, in either order;
   * only the timers running at the start of the turn expire. */
  :: d_step {
       TIMER_RUNNING && READ_ENABLED ->
       rt = (call == CALL_RECV_TIMEOUT);
       ct = TIMER_LIVE;
       offered++;
       settle();
       fire();
       settle();
       invariants()
     }
  :: d_step {
       TIMER_RUNNING && READ_ENABLED ->
       rt = 1;
       ct = 1;
       fire();
       settle();
       offered++;
       settle();
       invariants()
     }
#endif
#if HAS_READ_ALL_AND_EOF
  :: d_step { offered < nframes && OPEN -> offered = nframes; eof = 1; settle(); invariants() }
#endif
#if HAS_SEND || HAS_SEND_FRAGMENTED
  /* send(): counted while open (one message, in one or two frames); after
   * close() or the end of input it fails and changes nothing. */
  :: d_step { OPEN_FOR_SEND && sent < MAXSENDS -> sent++; close_at = sent; settle(); invariants() }
  :: d_step { !OPEN_FOR_SEND -> skip }
#endif
#if HAS_SEND_AND_CLOSE
  :: d_step {
       !closing && !close_pending && (!OPEN_FOR_SEND || sent < MAXSENDS) ->
       was_open = OPEN_FOR_SEND;
       if
       :: was_open -> sent++; close_at = sent
       :: else -> skip
       fi;
       close_pending = 1;
       if
       :: endr == END_NONE -> closing = 1
       :: else -> skip
       fi;
#if FLAW == FLAW_CLOSE_OVERTAKES_SEND
       if
       :: was_open -> close_at = sent - 1  /* the close frame goes first; the message is refused */
       :: else -> skip
       fi;
#endif
       settle();
       invariants()
     }
#endif
#if HAS_STALL_WRITES
  :: d_step { writes == W_FLOWING -> writes = W_STALLED; settle(); invariants() }
#endif
#if HAS_RELEASE_WRITES
  :: d_step { STALLED -> writes = W_FLOWING; settle(); invariants() }
#endif
  od
}
