"""Torch-side data: datasets over the store, tensor transforms (shared with inference), crops, masking, splits."""
