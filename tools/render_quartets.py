#!/usr/bin/env python3
"""Renders a second set of real compositions with key truth: the string-quartet movements of the
music21 corpus (Haydn, Mozart, Beethoven), minus any file that ../shared/eval/real_dev_corpus.py
holds out (its HELD_OUT_SCORES are passed over by name, never rendered). A REPORT set: no
parameter of leitmotif was chosen on it.

usage: render_quartets.py OUT_DIR [N]       (needs music21 and pretty_midi (pip), fluidsynth,
                                              fluid-soundfont-gm and ffmpeg (apt))

Truth, as for the chorales of real_dev_corpus.py: the key signature's major tonic or its relative
minor, whichever the lowest note of the last chord is (movements whose last bass note is neither
are skipped). First 60 s of each movement, strings (GM 40/40/41/42 by part), loudness-normalised,
44.1 kHz, in a random one of mp3 / ogg / flac (seed 21).
"""
import json, os, random, subprocess, sys, tempfile

PCS = ["C", "C#", "D", "D#", "E", "F", "F#", "G", "G#", "A", "A#", "B"]
SF2 = "/usr/share/sounds/sf2/FluidR3_GM.sf2"
# the scores real_dev_corpus.py holds out for independent checks (never rendered here)
HELD_OUT = {"beethoven/opus18no1/movement2.mxl", "beethoven/opus18no1/movement4.mxl"}


def truth_of(score):
    from music21 import key as m21key
    ks = next(iter(score.recurse().getElementsByClass("KeySignature")), None)
    if ks is None or not score.parts:
        return None
    bass = score.parts[-1].flatten().notes
    if not bass:
        return None
    major = m21key.KeySignature(ks.sharps).asKey("major").tonic.pitchClass
    last = min(p.midi for p in bass[-1].pitches) % 12
    return {major: (major, "major"), (major + 9) % 12: ((major + 9) % 12, "minor")}.get(last)


def main():
    import pretty_midi
    from music21 import corpus
    out = sys.argv[1]
    n = int(sys.argv[2]) if len(sys.argv) > 2 else 100
    os.makedirs(out, exist_ok=True)
    rng = random.Random(21)
    root = os.path.dirname(corpus.__file__)
    paths = []
    for composer in ("haydn", "mozart", "beethoven"):
        for p in corpus.getComposer(composer):
            rel = os.path.relpath(str(p), root)
            if rel.endswith(".mxl") and rel not in HELD_OUT and "movement" in rel:
                paths.append(rel)
    truth = {}
    for rel in sorted(paths):
        if len(truth) >= n:
            break
        try:
            score = corpus.parse(rel)
            t = truth_of(score)
        except Exception:
            continue
        if t is None or len(score.parts) != 4:
            continue
        dst = os.path.join(out, f"q{len(truth):03d}.{rng.choice(['mp3', 'ogg', 'flac'])}")
        with tempfile.TemporaryDirectory() as tmp:
            mid, wav = os.path.join(tmp, "a.mid"), os.path.join(tmp, "a.wav")
            try:
                score.write("midi", fp=mid)
                pm = pretty_midi.PrettyMIDI(mid)
            except Exception:
                continue
            for inst, program in zip(pm.instruments, (40, 40, 41, 42)):
                inst.program, inst.is_drum = program, False
            pm.write(mid)
            subprocess.run(["fluidsynth", "-ni", "-q", "-F", wav, "-r", "44100", SF2, mid], check=True,
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            subprocess.run(["ffmpeg", "-nostdin", "-v", "error", "-y", "-i", wav, "-t", "60", "-af",
                            "loudnorm=I=-16:TP=-1.5", "-ar", "44100", dst], check=True)
        truth[os.path.basename(dst)] = {"key": PCS[t[0]], "mode": t[1], "source": rel}
        print(os.path.basename(dst), truth[os.path.basename(dst)], flush=True)
    json.dump(truth, open(os.path.join(out, "truth.json"), "w"), indent=1)
    print(f"{len(truth)} files")


if __name__ == "__main__":
    main()
