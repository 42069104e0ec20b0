#!/usr/bin/env python3
"""Renders the small fixtures of tests/rhythm.rs and tests/tonal.rs (tempo, key, no key / no tempo)
into tests/fixtures/accuracy/, with their truth in truth.json. Run once from the repository root:

    /tmp/evalenv/bin/python tools/make_accuracy_fixtures.py

Needs fluidsynth, fluid-soundfont-gm and ffmpeg (apt) and pretty_midi, music21 (pip). Every file is
mono, 22050 Hz, Ogg Vorbis (quality 1) or FLAC, 12-30 s, so the set stays around 0.5 MB.

- groove_sparse_96.ogg / groove_dense_96.ogg: one rock groove at 96 BPM in A minor (kick on 1 and 3,
  snare on 2 and 4, bass and chords), hi-hat at half density (quarter notes, the pulse a
  half-tempo estimator locks onto) and at double density (sixteenths, the pulse a double-tempo
  estimator locks onto). Truth: 96 BPM. (i-VI-III-VII has the pitch content of C major's
  vi-IV-I-V: the key truth of these two is not used by the tests.)
- groove_waltz_138.ogg: a waltz (bass on 1, chords on 2 and 3) at 138 BPM in F major. Truth: 138 BPM.
- offtonic_eb_major.ogg: piano chords, bass and melody in Eb major whose progression opens on IV
  and V (IV-V-iii-vi | ii-V-I-I): the opening is not the tonic. Truth: Eb major.
- chorale_minor.ogg: Bach's chorale BWV 10.7 (music21 corpus; G minor by its key signature and
  final bass note), first 30 s, organ. Truth: G minor.
- silence.flac (12 s of digital silence) and noise.ogg (12 s of pink noise): no key, no tempo.
- swing_bb_major_from_vi.ogg: MMA's EasySwing groove at 120 BPM in Bb major, bars cycling
  vi-ii-V7-I (Gm Cm F7 Bb): the pitch content leans to G minor, the relative minor; the F7
  (the dominant of Bb) says Bb. Truth: Bb major.
- swing_g_minor_from_vi.ogg: the same groove in G minor, bars cycling VI-III-iv-V7 (Eb Bb Cm D7),
  the pitch set of Bb major; the D7 says G. Truth: G minor.

- strut_c_minor.ogg: MMA's Strut2Sus groove at 102.4 BPM in C minor, bars cycling i-i-iv-V7
  (Cm Cm Fm G7; the progression of the seventh session's TUNING groove v036, seed 11): the
  sustained voicings lean to C major; the C minor triad and the G major dominant both sounding
  say C minor (the harmonic-minor cue of features/tonal/key.rs). MMA renders differ: of 8 renders
  5 read C major without the cue and all 8 C minor with it; the committed one reads C major
  without it. Truth: C minor.

- ska_clap_102.ogg: the first 30 s of the TUNING groove `v030.mp3` of
  `real_dev_corpus.py grooves` seed 11 (MMA's SkaClap at 102.5 BPM in B major, bars cycling
  I-IV-V7-I), cut and re-encoded from that render (`GROOVES_TUNE=DIR`, the rendered set; skipped
  without it). Its strongest comb peaks are 51 and 102 BPM, and the harmonic-span test demotes
  102; before the metrical-grid test of features/rhythm/tempo.rs it read 81.6 BPM, a weak peak
  on neither's grid (4:5). Six fresh MMA renders of the same groove read 102.5 either way: the
  committed file is the render that showed the fault. Truth: 102.5 BPM.

Needs mma (apt) for the three MMA fixtures. Files that exist are kept: delete one to render it
again (renders are not bit-reproducible).
"""
import json, os, subprocess, tempfile

import pretty_midi

SF2 = "/usr/share/sounds/sf2/FluidR3_GM.sf2"
OUT = "tests/fixtures/accuracy"


def render(pm, dst, seconds):
    with tempfile.TemporaryDirectory() as tmp:
        mid, wav = os.path.join(tmp, "a.mid"), os.path.join(tmp, "a.wav")
        pm.write(mid)
        subprocess.run(["fluidsynth", "-ni", "-q", "-F", wav, "-r", "44100", SF2, mid], check=True,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        codec = ["-c:a", "libvorbis", "-q:a", "1"] if dst.endswith(".ogg") else ["-c:a", "flac"]
        subprocess.run(["ffmpeg", "-nostdin", "-v", "error", "-y", "-i", wav, "-t", str(seconds), "-ac", "1",
                        "-ar", "22050", "-af", "loudnorm=I=-16:TP=-1.5", *codec, dst], check=True)


def note(inst, pitch, start, dur, vel=90):
    inst.notes.append(pretty_midi.Note(velocity=vel, pitch=pitch, start=start, end=start + dur))


def groove(bpm, hat_per_beat, seconds, tonic=57):
    pm = pretty_midi.PrettyMIDI(initial_tempo=bpm)
    drums = pretty_midi.Instrument(program=0, is_drum=True)
    bass = pretty_midi.Instrument(program=33)
    keys = pretty_midi.Instrument(program=4)
    beat = 60.0 / bpm
    prog = [0, -4, 3, -2]  # i VI III VII (A minor: Am F C G)
    minor = {0: [0, 3, 7], -4: [0, 4, 7], 3: [0, 4, 7], -2: [0, 4, 7]}
    for b in range(int(seconds / beat) + 1):
        t = b * beat
        root = tonic + prog[(b // 4) % 4]
        note(drums, 36 if b % 2 == 0 else 38, t, 0.1, 110 if b % 2 == 0 else 100)
        for k in range(hat_per_beat):
            note(drums, 42, t + k * beat / hat_per_beat, 0.05, 70 if k == 0 else 55)
        note(bass, root - 24, t, 0.9 * beat, 95)
        if b % 2 == 0:
            for iv in minor[prog[(b // 4) % 4]]:
                note(keys, root + iv, t, 1.8 * beat, 70)
    pm.instruments += [drums, bass, keys]
    return pm


def waltz(bpm, seconds, tonic=53):
    pm = pretty_midi.PrettyMIDI(initial_tempo=bpm)
    bass = pretty_midi.Instrument(program=32)
    keys = pretty_midi.Instrument(program=0)
    beat = 60.0 / bpm
    prog = [(0, [0, 4, 7]), (5, [0, 4, 7]), (7, [0, 4, 7, 10]), (0, [0, 4, 7])]
    for bar in range(int(seconds / (3 * beat)) + 1):
        root, chord = prog[bar % 4]
        t = bar * 3 * beat
        note(bass, tonic - 12 + root, t, 0.9 * beat, 100)
        for k in (1, 2):
            for iv in chord:
                note(keys, tonic + 12 + root + iv, t + k * beat, 0.5 * beat, 75)
    pm.instruments += [bass, keys]
    return pm


def off_tonic(seconds, tonic=63):
    # Eb major: IV V iii vi | ii V I I, two beats per chord at 100 BPM
    pm = pretty_midi.PrettyMIDI(initial_tempo=100)
    piano = pretty_midi.Instrument(program=0)
    bass = pretty_midi.Instrument(program=32)
    lead = pretty_midi.Instrument(program=73)
    scale = [0, 2, 4, 5, 7, 9, 11]
    degrees = [3, 4, 2, 5, 1, 4, 0, 0]
    beat = 0.6
    t, i = 0.0, 0
    while t < seconds:
        d = degrees[i % len(degrees)]
        triad = [scale[(d + k) % 7] + 12 * ((d + k) // 7) for k in (0, 2, 4)]
        for iv in triad:
            note(piano, tonic - 12 + iv, t, 2 * beat, 70)
        note(bass, tonic - 24 + scale[d], t, 2 * beat, 90)
        for k in range(2):  # melody: chord tones
            note(lead, tonic + triad[(i + k) % 3], t + k * beat, beat, 80)
        t += 2 * beat
        i += 1
    pm.instruments += [piano, bass, lead]
    return pm


def mma_render(src, dst, seconds):
    """Renders MMA source `src` like `render` does a PrettyMIDI."""
    with tempfile.TemporaryDirectory() as tmp:
        mma, mid = os.path.join(tmp, "a.mma"), os.path.join(tmp, "a.mid")
        open(mma, "w").write(src)
        subprocess.run(["mma", "-f", mid, mma], check=True, capture_output=True)
        render(pretty_midi.PrettyMIDI(mid), dst, seconds)


def mma_groove(groove, bpm, chords, bars=16):
    return f"Tempo {bpm}\nGroove {groove}\n" + "".join(f"{j + 1} {chords[j % len(chords)]}\n" for j in range(bars))


def chorale(seconds):
    from music21 import corpus
    with tempfile.TemporaryDirectory() as tmp:
        mid = os.path.join(tmp, "c.mid")
        corpus.parse("bach/bwv10.7.mxl").write("midi", fp=mid)
        pm = pretty_midi.PrettyMIDI(mid)
    for inst in pm.instruments:
        inst.program, inst.is_drum = 19, False
    return pm


def main():
    os.makedirs(OUT, exist_ok=True)
    truth = {}
    todo = lambda name: not os.path.exists(f"{OUT}/{name}")
    if todo("groove_sparse_96.ogg"):
        render(groove(96, 1, 20), f"{OUT}/groove_sparse_96.ogg", 20)
    truth["groove_sparse_96.ogg"] = {"bpm": 96.0, "key": "A", "mode": "minor"}
    if todo("groove_dense_96.ogg"):
        render(groove(96, 4, 20), f"{OUT}/groove_dense_96.ogg", 20)
    truth["groove_dense_96.ogg"] = {"bpm": 96.0, "key": "A", "mode": "minor"}
    if todo("groove_waltz_138.ogg"):
        render(waltz(138, 20), f"{OUT}/groove_waltz_138.ogg", 20)
    truth["groove_waltz_138.ogg"] = {"bpm": 138.0, "key": "F", "mode": "major"}
    if todo("offtonic_eb_major.ogg"):
        render(off_tonic(24), f"{OUT}/offtonic_eb_major.ogg", 24)
    truth["offtonic_eb_major.ogg"] = {"key": "Eb", "mode": "major"}
    if todo("chorale_minor.ogg"):
        render(chorale(30), f"{OUT}/chorale_minor.ogg", 30)
    truth["chorale_minor.ogg"] = {"key": "G", "mode": "minor"}
    if todo("swing_bb_major_from_vi.ogg"):
        mma_render(mma_groove("EasySwing", 120, ["Gm", "Cm", "F7", "Bb"]), f"{OUT}/swing_bb_major_from_vi.ogg", 24)
    truth["swing_bb_major_from_vi.ogg"] = {"bpm": 120.0, "key": "Bb", "mode": "major"}
    if todo("swing_g_minor_from_vi.ogg"):
        mma_render(mma_groove("EasySwing", 120, ["Eb", "Bb", "Cm", "D7"]), f"{OUT}/swing_g_minor_from_vi.ogg", 24)
    truth["swing_g_minor_from_vi.ogg"] = {"bpm": 120.0, "key": "G", "mode": "minor"}
    if todo("strut_c_minor.ogg"):
        mma_render(mma_groove("Strut2Sus", 102.4, ["Cm", "Cm", "Fm", "G7"], bars=24), f"{OUT}/strut_c_minor.ogg", 24)
    truth["strut_c_minor.ogg"] = {"bpm": 102.4, "key": "C", "mode": "minor"}
    if todo("ska_clap_102.ogg") and os.environ.get("GROOVES_TUNE"):
        subprocess.run(["ffmpeg", "-nostdin", "-v", "error", "-y", "-i",
                        os.path.join(os.environ["GROOVES_TUNE"], "v030.mp3"), "-t", "30", "-ac", "1",
                        "-ar", "22050", "-af", "loudnorm=I=-16:TP=-1.5", "-c:a", "libvorbis", "-q:a", "1",
                        f"{OUT}/ska_clap_102.ogg"], check=True)
    truth["ska_clap_102.ogg"] = {"bpm": 102.5, "key": "B", "mode": "major"}
    if todo("silence.flac"):
        subprocess.run(["ffmpeg", "-nostdin", "-v", "error", "-y", "-f", "lavfi", "-i", "anullsrc=r=22050:cl=mono",
                        "-t", "12", "-c:a", "flac", f"{OUT}/silence.flac"], check=True)
    if todo("noise.ogg"):
        subprocess.run(["ffmpeg", "-nostdin", "-v", "error", "-y", "-f", "lavfi", "-i",
                        "anoisesrc=r=22050:color=pink:amplitude=0.3:seed=7", "-t", "12", "-ac", "1",
                        "-c:a", "libvorbis", "-q:a", "0", f"{OUT}/noise.ogg"], check=True)
    truth["silence.flac"] = {"bpm": None, "key": None}
    truth["noise.ogg"] = {"bpm": None, "key": None}
    json.dump(truth, open(f"{OUT}/truth.json", "w"), indent=1)


if __name__ == "__main__":
    main()
