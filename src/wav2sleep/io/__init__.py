"""Readers and writers, one module per format. ``read_recording`` picks the reader from the file extension."""

from wav2sleep.io.recording import Channel, Recording, channel_labels, read_recording, reader_for

__all__ = ["Channel", "Recording", "read_recording", "channel_labels", "reader_for"]
