"""restorer: image restoration with convolutional encoder-decoders."""

__version__ = "0.1.0"
