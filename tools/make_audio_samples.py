#!/usr/bin/env python3
"""Render the short test songs in audio-samples/ (tempo/key ground truth).

Each song is composed here as MIDI (written by hand with the standard
library only: chord progression + bass + melody, drums on GM channel 10 in
4 of the 5 songs), rendered with FluidSynth using the FluidR3_GM SoundFont,
then trimmed/faded and encoded with ffmpeg.

Requirements: python3 (stdlib only), fluidsynth, ffmpeg (libmp3lame,
libvorbis), /usr/share/sounds/sf2/FluidR3_GM.sf2
(Debian/Ubuntu: apt-get install fluidsynth fluid-soundfont-gm ffmpeg).

Usage: tools/make_audio_samples.py [--keep-midi]
Writes audio-samples/<song>.<ext>, audio-samples/truth.json.
The melodies use a fixed-seed PRNG, so the MIDI is identical on every run.
"""

import json
import os
import random
import shutil
import struct
import subprocess
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OUT = os.path.join(ROOT, "audio-samples")
SF2 = "/usr/share/sounds/sf2/FluidR3_GM.sf2"
PPQ = 480

NOTE_NAMES = {"C": 0, "C#": 1, "Db": 1, "D": 2, "D#": 3, "Eb": 3, "E": 4, "F": 5,
              "F#": 6, "Gb": 6, "G": 7, "G#": 8, "Ab": 8, "A": 9, "A#": 10,
              "Bb": 10, "B": 11}
MAJOR = [0, 2, 4, 5, 7, 9, 11]
NAT_MINOR = [0, 2, 3, 5, 7, 8, 10]

# GM drum keys
KICK, SNARE, CLAP, CHH, OHH, RIDE, CRASH, TOM_LO, TOM_HI = 36, 38, 39, 42, 46, 51, 49, 45, 50

# ---------------------------------------------------------------------------
# Song definitions. Chords are scale degrees (1-based) of the song's key;
# triads are built diatonically, so every chord is in key.
# ---------------------------------------------------------------------------
SONGS = [
    dict(name="song1_92bpm_a_minor", bpm=92, tonic="A", mode="minor", bars=9,
         seconds=24.0, prog=[1, 6, 3, 7, 1, 4, 5, 1], drums="rock",
         chord_prog=0, bass_prog=33, lead_prog=73, seed=1,
         fmt="mp3", ffargs=["-c:a", "libmp3lame", "-b:a", "192k"],
         fmt_desc="MP3, 192 kbit/s CBR, 44.1 kHz stereo (libmp3lame)"),
    dict(name="song2_120bpm_c_major", bpm=120, tonic="C", mode="major", bars=11,
         seconds=22.0, prog=[1, 5, 6, 4, 1, 4, 5, 1], drums="pop",
         chord_prog=4, bass_prog=33, lead_prog=56, seed=2,
         fmt="flac", rate=22050,
         ffargs=["-c:a", "flac", "-sample_fmt", "s16", "-ar", "22050"],
         fmt_desc="FLAC, 16-bit, 22.05 kHz stereo"),
    dict(name="song3_128bpm_fsharp_minor", bpm=128, tonic="F#", mode="minor", bars=12,
         seconds=22.5, prog=[1, 6, 3, 7], drums="four_on_floor",
         chord_prog=89, bass_prog=38, lead_prog=80, seed=3,
         fmt="ogg", ffargs=["-c:a", "libvorbis", "-q:a", "3"],
         fmt_desc="Ogg Vorbis, quality 3 (~112 kbit/s), 44.1 kHz stereo (libvorbis)"),
    dict(name="song4_140bpm_eb_major", bpm=140, tonic="Eb", mode="major", bars=13,
         seconds=22.3, prog=[1, 4, 6, 5, 1, 2, 5, 1], drums="fast",
         chord_prog=48, bass_prog=34, lead_prog=65, seed=4,
         fmt="m4a", ffargs=["-c:a", "aac", "-b:a", "128k"],
         fmt_desc="AAC-LC in MP4 (.m4a), 128 kbit/s, 44.1 kHz stereo (ffmpeg aac)"),
    dict(name="song5_75bpm_g_major_nodrums", bpm=75, tonic="G", mode="major", bars=6,
         seconds=20.0, prog=[1, 4, 5, 1, 6, 4, 5, 1], drums=None,
         chord_prog=24, bass_prog=32, lead_prog=73, seed=5, chords_per_bar=2,
         fmt="wav", rate=22050,
         ffargs=["-c:a", "pcm_s16le", "-ar", "22050", "-ac", "1"],
         fmt_desc="WAV, 16-bit PCM, 22.05 kHz mono"),
]


# ---------------------------------------------------------------------------
# Minimal Standard MIDI File writer (format 1)
# ---------------------------------------------------------------------------
def vlq(n):
    out = [n & 0x7F]
    n >>= 7
    while n:
        out.append((n & 0x7F) | 0x80)
        n >>= 7
    return bytes(reversed(out))


def track_chunk(events):
    """events: list of (abs_tick, order, bytes); returns MTrk chunk."""
    events = sorted(events, key=lambda e: (e[0], e[1]))
    data = bytearray()
    last = 0
    for tick, _, msg in events:
        data += vlq(tick - last) + msg
        last = tick
    data += vlq(0) + b"\xff\x2f\x00"
    return b"MTrk" + struct.pack(">I", len(data)) + bytes(data)


class Track:
    def __init__(self, channel, program=None, name=""):
        self.ch = channel
        self.ev = []
        if name:
            nb = name.encode()
            self.ev.append((0, 0, b"\xff\x03" + vlq(len(nb)) + nb))
        if program is not None:
            self.ev.append((0, 1, bytes([0xC0 | channel, program])))

    def cc(self, tick, ctl, val):
        self.ev.append((tick, 1, bytes([0xB0 | self.ch, ctl, val])))

    def note(self, tick, dur, key, vel):
        if not 0 <= key <= 127:
            return
        self.ev.append((tick, 3, bytes([0x90 | self.ch, key, vel])))
        # note-offs sort before note-ons at the same tick
        self.ev.append((tick + dur, 2, bytes([0x80 | self.ch, key, 0])))


def write_midi(path, bpm, tracks):
    tempo = round(60_000_000 / bpm)
    meta = [(0, 0, b"\xff\x51\x03" + struct.pack(">I", tempo)[1:]),
            (0, 0, b"\xff\x58\x04\x04\x02\x18\x08")]  # 4/4
    chunks = [track_chunk(meta)] + [track_chunk(t.ev) for t in tracks]
    with open(path, "wb") as f:
        f.write(b"MThd" + struct.pack(">IHHH", 6, 1, len(chunks), PPQ))
        for c in chunks:
            f.write(c)


# ---------------------------------------------------------------------------
# Composition
# ---------------------------------------------------------------------------
def scale_pcs(tonic, mode):
    t = NOTE_NAMES[tonic]
    return [(t + s) % 12 for s in (MAJOR if mode == "major" else NAT_MINOR)]


def triad(scale, degree):
    i = degree - 1
    return [scale[i % 7], scale[(i + 2) % 7], scale[(i + 4) % 7]]


def place(pc, lo):
    """Lowest MIDI note >= lo with pitch class pc."""
    n = lo + ((pc - lo) % 12)
    return n


def compose(song):
    rng = random.Random(song["seed"])
    scale = scale_pcs(song["tonic"], song["mode"])
    beat = PPQ
    bar = 4 * beat
    cpb = song.get("chords_per_bar", 1)
    chord_len = bar // cpb
    n_chords = song["bars"] * cpb
    prog = [song["prog"][i % len(song["prog"])] for i in range(n_chords)]
    prog[-1] = 1  # always end on the tonic

    chords = Track(0, song["chord_prog"], "chords")
    bass = Track(1, song["bass_prog"], "bass")
    lead = Track(2, song["lead_prog"], "melody")
    for t, vol in ((chords, 80), (bass, 100), (lead, 100)):
        t.cc(0, 7, vol)
        t.cc(0, 91, 40)  # reverb send
    tracks = [chords, bass, lead]

    lead_prev = place(scale[0], 67)
    for ci, deg in enumerate(prog):
        t0 = ci * chord_len
        tri = triad(scale, deg)
        last = ci == n_chords - 1
        # Chords: voiced around middle C; arpeggiated for the no-drum ballad.
        voicing = sorted(place(pc, 55) for pc in tri)
        if song["drums"] is None and not last:
            step = beat // 2
            pattern = voicing + [voicing[1] + 12, voicing[2] + 0, voicing[1]]
            for k in range(chord_len // step):
                chords.note(t0 + k * step, step * 2, pattern[k % len(pattern)], 70)
        elif song["bpm"] >= 128 and not last:
            # off-beat stabs for the dance-ish songs
            for b in range(chord_len // beat):
                for n in voicing:
                    chords.note(t0 + b * beat + beat // 2, beat // 2 - 20, n, 72)
        else:
            for n in voicing:
                chords.note(t0, (bar if last else chord_len) - 10, n, 68)

        # Bass: chord root, on each beat (octave jump on beat 3) / half notes.
        root = place(tri[0], 36)
        if last:
            bass.note(t0, bar, root, 100)
        elif song["drums"] is None:
            bass.note(t0, chord_len - 10, root, 90)
        else:
            for b in range(chord_len // beat):
                key = root + 12 if b == 2 and song["bpm"] < 128 else root
                bass.note(t0 + b * beat, beat - 30, key, 100 if b % 2 == 0 else 85)

        # Melody: chord tones on strong beats, scale steps in between.
        if last:
            lead.note(t0, bar, place(scale[0], 67), 100)
            continue
        pos = 0
        while pos < chord_len:
            dur = rng.choice([beat, beat, beat // 2, beat // 2, 2 * beat])
            dur = min(dur, chord_len - pos)
            strong = pos % (2 * beat) == 0
            if strong:
                cands = [place(pc, 60) + o for pc in tri for o in (0, 12)]
            else:
                cands = [place(pc, 60) + o for pc in scale for o in (0, 12)]
            cands = [c for c in cands if 62 <= c <= 81]
            cands.sort(key=lambda c: (abs(c - lead_prev), c))
            nxt = rng.choice(cands[:3])
            if rng.random() < 0.12 and not strong:
                pos += dur  # rest
                continue
            lead.note(t0 + pos, dur - 15, nxt, 95 if strong else 80)
            lead_prev = nxt
            pos += dur

    # Drums (GM channel 10 = index 9)
    if song["drums"]:
        dr = Track(9, None, "drums")
        dr.cc(0, 7, 110)
        style = song["drums"]
        total_bars = song["bars"]
        for b in range(total_bars):
            t0 = b * bar
            if b == total_bars - 1:
                dr.note(t0, beat, KICK, 110)
                dr.note(t0, beat, CRASH, 100)
                break
            if b == 0 or b % 4 == 0:
                dr.note(t0, beat, CRASH, 90)
            for q in range(4):
                tq = t0 + q * beat
                if style == "four_on_floor":
                    dr.note(tq, beat // 2, KICK, 115)
                    if q in (1, 3):
                        dr.note(tq, beat // 2, CLAP, 100)
                    dr.note(tq + beat // 2, beat // 4, OHH, 80)
                elif style == "fast":
                    if q in (0, 2):
                        dr.note(tq, beat // 2, KICK, 112)
                    if q in (1, 3):
                        dr.note(tq, beat // 2, SNARE, 105)
                    dr.note(tq, beat // 4, RIDE, 85)
                    dr.note(tq + beat // 2, beat // 4, RIDE, 65)
                else:  # rock / pop
                    if q == 0 or q == 2 or (style == "pop" and q == 3 and b % 2):
                        dr.note(tq if q != 3 else tq + beat // 2, beat // 2, KICK, 112)
                    if q in (1, 3):
                        dr.note(tq, beat // 2, SNARE, 105)
                    for e in range(2):
                        dr.note(tq + e * beat // 2, beat // 4, CHH, 85 if e == 0 else 60)
            if b % 4 == 3:  # fill on the last beat of each 4-bar phrase
                for k, key in enumerate((TOM_HI, TOM_HI, TOM_LO, TOM_LO)):
                    dr.note(t0 + 3 * beat + k * beat // 4, beat // 4, key, 95)
        tracks.append(dr)
    return tracks


def run(cmd):
    subprocess.run(cmd, check=True)


def main():
    keep_midi = "--keep-midi" in sys.argv
    for tool in ("fluidsynth", "ffmpeg"):
        if not shutil.which(tool):
            sys.exit(f"{tool} not found")
    if not os.path.exists(SF2):
        sys.exit(f"SoundFont not found: {SF2}")
    os.makedirs(OUT, exist_ok=True)
    truth = {}
    with tempfile.TemporaryDirectory() as tmp:
        for song in SONGS:
            mid = os.path.join(tmp, song["name"] + ".mid")
            raw = os.path.join(tmp, song["name"] + ".wav")
            write_midi(mid, song["bpm"], compose(song))
            if keep_midi:
                shutil.copy(mid, os.path.join(OUT, song["name"] + ".mid"))
            run(["fluidsynth", "-ni", "-q", "-g", "0.8", "-r", "44100",
                 "-o", "synth.chorus.active=0",
                 "-F", raw, "-T", "wav", SF2, mid])
            out_name = song["name"] + "." + song["fmt"]
            out = os.path.join(OUT, out_name)
            secs = song["seconds"]
            af = (f"atrim=end={secs},afade=t=in:d=0.005,"
                  f"afade=t=out:st={secs - 0.5}:d=0.5")
            run(["ffmpeg", "-hide_banner", "-nostdin", "-loglevel", "error", "-y",
                 "-i", raw, "-af", af, *song["ffargs"],
                 "-fflags", "+bitexact", "-flags:a", "+bitexact",
                 "-map_metadata", "-1", out])
            truth[out_name] = {"bpm": song["bpm"], "key": song["tonic"],
                               "mode": song["mode"],
                               "time_signature": "4/4",
                               "duration_s": secs,
                               "drums": song["drums"] is not None,
                               "format": song["fmt_desc"]}
            print(f"{out_name}: {os.path.getsize(out)} bytes")
    with open(os.path.join(OUT, "truth.json"), "w") as f:
        json.dump(truth, f, indent=2)
        f.write("\n")


if __name__ == "__main__":
    main()
