"""The analysis of voice samples (voice.analysis): real clips from ../shared/data/voice and
synthetic ones made here with numpy and PyAV."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import av
import numpy as np
import pytest

from tests.voice import synth_audio
from tests.voice.subject_helpers import DATA
from voice.analysis import (
    CLI_KEYS,
    AudioUnreadable,
    audio_decode,
    file_analyse,
    set_verdict,
)

REPO = Path(__file__).resolve().parents[2]
CLIPS = sorted(p for p in DATA.rglob("*") if p.suffix in (".flac", ".mp3"))


def flac_header_duration(path: Path) -> float:
    """STREAMINFO's total samples over its sample rate, read from the bytes (no decoder)."""
    data = path.read_bytes()[:42]
    assert data[:4] == b"fLaC"
    info = int.from_bytes(data[8 + 10 : 8 + 18], "big")
    rate = info >> 44
    total = info & ((1 << 36) - 1)
    return total / rate


def container_header_duration(path: Path) -> float:
    """The duration the file's header states, as FFmpeg's demuxer reads it (no decoding)."""
    with av.open(str(path)) as container:
        stream = container.streams.audio[0]
        if stream.duration is not None:
            return float(stream.duration * stream.time_base)
        return container.duration / av.time_base


def test_the_shared_clips_are_there():
    assert len([c for c in CLIPS if c.suffix == ".flac"]) >= 10
    assert [c for c in CLIPS if c.suffix == ".mp3"]


@pytest.mark.parametrize("path", CLIPS, ids=lambda p: p.name)
def test_every_shared_clip_decodes_to_its_header_duration(path):
    decoded = audio_decode(path)
    header = (
        flac_header_duration(path) if path.suffix == ".flac" else container_header_duration(path)
    )
    assert decoded.samples.shape[1] > 0
    assert abs(decoded.duration_s - header) <= 0.010
    analysis = file_analyse(path)
    assert analysis.verdict in ("good", "usable")  # clean read speech is never poor
    assert analysis.speech_share > 0.4 and analysis.snr_db > 15
    assert -40 < analysis.loudness_lufs < -10
    assert analysis.clipped_share == 0
    assert not analysis.steady_background  # no music behind these


@pytest.mark.parametrize("suffix", [".wav", ".mp3", ".m4a", ".ogg", ".webm", ".flac"])
def test_every_format_decodes(tmp_path, suffix):
    path = synth_audio.write(tmp_path / f"clear{suffix}", synth_audio.phrases(8.0))
    analysis = file_analyse(path)
    assert abs(analysis.duration_s - 8.0) < 0.05
    assert analysis.verdict == "good", analysis.advice


def test_stereo_is_measured_on_both_channels(tmp_path):
    path = synth_audio.write(tmp_path / "stereo.wav", synth_audio.phrases(6.0), channels=2)
    analysis = file_analyse(path)
    assert analysis.channels == 2 and analysis.sample_rate == 16000


def test_a_clipped_clip_is_flagged_with_advice_to_step_back(tmp_path):
    analysis = file_analyse(synth_audio.write(tmp_path / "loud.wav", synth_audio.clipped()))
    assert analysis.clipped_share > 0.01
    assert analysis.verdict == "poor" and "clipped" in analysis.problems
    assert any("further from the microphone" in line for line in analysis.advice)


def test_a_silent_clip_has_no_speech(tmp_path):
    analysis = file_analyse(synth_audio.write(tmp_path / "quiet.flac", synth_audio.silent()))
    assert analysis.speech_share == 0 and analysis.loudness_lufs is None
    assert analysis.verdict == "poor" and analysis.problems == ["no_speech"]
    assert "could not hear a voice" in analysis.advice[0]


def test_a_noisy_clip_is_flagged(tmp_path):
    analysis = file_analyse(synth_audio.write(tmp_path / "noisy.mp3", synth_audio.noisy()))
    assert analysis.snr_db < 10
    assert analysis.verdict == "poor" and "noisy" in analysis.problems
    assert any("noise behind your voice" in line for line in analysis.advice)


def test_speech_share_follows_the_pauses_not_one_file(tmp_path):
    """The detector adapts to each file's floor: the same phrases over a quiet floor and over
    a louder (but not drowning) one give about the same share of speech."""
    quiet = file_analyse(synth_audio.write(tmp_path / "a.wav", synth_audio.phrases()))
    louder = file_analyse(synth_audio.write(tmp_path / "b.wav", synth_audio.noisy(snr_db=25.0)))
    assert 0.55 < quiet.speech_share < 0.85
    assert abs(quiet.speech_share - louder.speech_share) < 0.12
    assert louder.noise_floor_db > quiet.noise_floor_db + 20


def test_a_short_clip_says_so(tmp_path):
    analysis = file_analyse(synth_audio.write(tmp_path / "s.wav", synth_audio.phrases(2.5)))
    assert "short" in analysis.problems
    assert any("very short" in line for line in analysis.advice)


def test_music_behind_the_voice_is_hinted_but_noise_is_not(tmp_path):
    """Chords filling the pauses (tonal) give the music hint; hiss at the same level is
    noise, not music; a clean clip gives neither."""
    rate = synth_audio.RATE
    t = np.arange(12 * rate) / rate
    voice = synth_audio.phrases(12.0)
    chords = sum(0.012 * np.sin(2 * np.pi * f * t) for f in (220.0, 277.2, 329.6))
    hiss = np.random.default_rng(3).normal(0, np.sqrt(np.mean(chords**2)), len(t))
    song = file_analyse(synth_audio.write(tmp_path / "song.wav", (voice + chords).astype("f4")))
    noisy = file_analyse(synth_audio.write(tmp_path / "hiss.wav", (voice + hiss).astype("f4")))
    clean = file_analyse(synth_audio.write(tmp_path / "clean.wav", voice))
    assert song.steady_background and "background" in song.problems
    assert any("music" in line for line in song.advice)
    assert not noisy.steady_background and not clean.steady_background


def test_not_audio_empty_and_damaged_files_each_get_their_own_message(tmp_path):
    text = tmp_path / "notes.mp3"
    text.write_text("Dear all, this is a letter, not a recording.\n" * 20)
    empty = tmp_path / "empty.wav"
    empty.write_bytes(b"")
    whole = synth_audio.write(tmp_path / "whole.flac", synth_audio.phrases())
    cut = tmp_path / "cut.flac"
    cut.write_bytes(whole.read_bytes()[: len(whole.read_bytes()) // 4])
    wav = synth_audio.write(tmp_path / "whole.wav", synth_audio.phrases())
    cut_wav = tmp_path / "cut.wav"
    cut_wav.write_bytes(wav.read_bytes()[:100_000])
    m4a = synth_audio.write(tmp_path / "whole.m4a", synth_audio.phrases())
    cut_m4a = tmp_path / "cut.m4a"
    cut_m4a.write_bytes(m4a.read_bytes()[:4000])
    kinds = {}
    for path in (text, empty, cut, cut_wav, cut_m4a):
        with pytest.raises(AudioUnreadable) as refused:
            audio_decode(path)
        kinds[path.name] = (refused.value.kind, str(refused.value))
    assert kinds["notes.mp3"][0] == "not_audio" and "not a sound recording" in kinds["notes.mp3"][1]
    assert kinds["empty.wav"][0] == "empty" and "empty" in kinds["empty.wav"][1]
    for name in ("cut.flac", "cut.wav", "cut.m4a"):
        assert kinds[name][0] == "damaged" and "damaged" in kinds[name][1], name
    assert "breaks off after 3.1 seconds of 12.0" in kinds["cut.wav"][1]


def test_the_command_line_prints_one_json_object_per_file(tmp_path):
    good = CLIPS[0]
    bad = tmp_path / "letter.txt"
    bad.write_text("not audio")
    run = subprocess.run(
        [sys.executable, "-m", "voice.analysis", str(good), str(bad)],
        cwd=REPO,
        capture_output=True,
        text=True,
        check=False,
    )
    lines = [json.loads(line) for line in run.stdout.splitlines()]
    assert len(lines) == 2 and run.returncode == 1
    assert list(lines[0]) == ["file", *CLI_KEYS]
    assert lines[0]["file"] == str(good) and lines[0]["verdict"] in ("good", "usable")
    assert isinstance(lines[0]["advice"], list) and lines[0]["advice"]
    assert set(lines[1]) == {"file", "error"} and "not a sound recording" in lines[1]["error"]


def test_the_set_verdict_weighs_clean_speech_against_what_cloning_wants():
    def clip(speech_s, verdict="good"):
        return {"speech_s": speech_s, "verdict": verdict}

    assert set_verdict([]).verdict == "poor"
    assert set_verdict([clip(20), clip(40, "poor")]).verdict == "poor"  # poor ones do not count
    assert set_verdict([clip(20), clip(25)]).verdict == "usable"
    several = set_verdict([clip(40), clip(30), clip(25)])
    assert several.verdict == "good" and several.speech_s == 95
    one = set_verdict([clip(100)])
    assert one.verdict == "usable" and "one recording" in " ".join(one.advice)
    plenty = set_verdict([clip(90), clip(80), clip(70)])
    assert plenty.verdict == "good" and "three minutes" in " ".join(plenty.advice)


def test_a_long_file_is_measured_on_its_start_but_its_length_is_all_of_it(tmp_path, monkeypatch):
    from voice import analysis

    monkeypatch.setattr(analysis, "KEEP_S", 4.0)
    path = synth_audio.write(tmp_path / "long.flac", synth_audio.phrases(12.0))
    decoded = audio_decode(path)
    assert decoded.samples.shape[1] == 4 * synth_audio.RATE
    assert abs(decoded.duration_s - 12.0) < 0.001
    assert file_analyse(path).duration_s == 12.0
