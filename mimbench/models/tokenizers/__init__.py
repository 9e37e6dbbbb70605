"""Image tokenizers for CiM's generator (cim.txt Sec. 2.1): encoder to discrete tokens + decoder to pixels.

Interface CiM relies on (``mimbench.models.cim``): ``vocab_size``, ``downsample`` (pixels per token side),
``encode(images [N, 3, H, W] in [0, 1]) -> ids [N, H/d, W/d]`` and ``decode(ids) -> images in [0, 1]``.

- ``DALLETokenizer`` (dall_e.py): the paper's DALL-E dVAE, loaded safely from the published
  encoder.pkl/decoder.pkl.
- ``VQTokenizer`` (vq.py): a small VQ-VAE mimbench trains itself on any image folder
  (``VQTokenizerPretrainer``).
"""
from mimbench.models.tokenizers import dall_e, vq  # noqa: F401
from mimbench.models.tokenizers.dall_e import DALLETokenizer, load_dall_e_state_dict  # noqa: F401
from mimbench.models.tokenizers.vq import VQTokenizer, VQTokenizerPretrainer  # noqa: F401
