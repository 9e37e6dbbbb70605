"""Reconstruction figures for any pre-training algorithm: one PNG per image with its panels side by side.

MAE Fig. 2-4 show masked / reconstruction / original triplets; SimMIM Fig. 4 the same for its masks; CiM
Fig. 1 shows original / masked / corrupted / enhancer output. The panels come from the algorithm itself
through one method hook:

    ``algorithm.reconstruct(inputs: Tensor[N, 3, H, W]) -> dict[str, Tensor[N, 3, H, W]]``

``inputs`` and the returned panels are in the algorithm's data-preprocessor space (ImageNet-normalised RGB);
the dict's order is the panel order, its keys the panel titles. ``mimbench.MAE`` and ``mimbench.SimMIM``
return masked / prediction / original; CiM and MixMIM add their own panels by implementing the hook.

Command line (the checkpoint is a pre-training checkpoint of that config):
    python -m mimbench.models.reconstruction CONFIG CHECKPOINT img1.jpg img2.jpg --out work_dirs/figures
"""
from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np
import torch
from PIL import Image, ImageDraw

PANEL_GAP = 4        # pixels of white between panels
TITLE_HEIGHT = 14    # pixels for each panel's title above it


def load_images(paths, size: int) -> torch.Tensor:
    """RGB files -> uint8-valued float tensor [N, 3, size, size] (short side resized, centre crop)."""
    images = []
    for path in paths:
        img = Image.open(path).convert('RGB')
        scale = size / min(img.size)
        img = img.resize((max(size, round(img.width * scale)), max(size, round(img.height * scale))),
                         Image.BICUBIC)
        left, top = (img.width - size) // 2, (img.height - size) // 2
        img = img.crop((left, top, left + size, top + size))
        images.append(torch.from_numpy(np.asarray(img).copy()).permute(2, 0, 1).float())
    return torch.stack(images)


def normalise(model, images: torch.Tensor) -> torch.Tensor:
    """RGB 0-255 images [N, 3, H, W] -> the model's input space (its data preprocessor's mean/std)."""
    pre = model.data_preprocessor
    return (images.to(pre.mean.device) - pre.mean) / pre.std


def denormalise(model, panel: torch.Tensor) -> np.ndarray:
    """A panel [N, 3, H, W] in the model's input space -> uint8 RGB [N, H, W, 3]."""
    pre = model.data_preprocessor
    pixels = (panel * pre.std + pre.mean).clamp(0, 255).round().to(torch.uint8)
    return pixels.permute(0, 2, 3, 1).cpu().numpy()


def compose(panels: dict[str, np.ndarray]) -> Image.Image:
    """Panels name -> uint8 [H, W, 3] of one image, side by side with their names above them."""
    arrays = list(panels.values())
    h, w = arrays[0].shape[:2]
    canvas = Image.new('RGB', (len(arrays) * (w + PANEL_GAP) - PANEL_GAP, h + TITLE_HEIGHT), 'white')
    draw = ImageDraw.Draw(canvas)
    for i, (name, array) in enumerate(panels.items()):
        x = i * (w + PANEL_GAP)
        canvas.paste(Image.fromarray(array), (x, TITLE_HEIGHT))
        draw.text((x + 1, 1), name, fill='black')
    return canvas


@torch.no_grad()
def save_reconstructions(model, images: torch.Tensor, out_dir: str | Path, prefix: str = 'reconstruction',
                         seed: int = 0) -> list[Path]:
    """Write ``<out_dir>/<prefix>_<i>.png`` for each image: the panels of ``model.reconstruct``.

    Args:
        model: a pre-training algorithm with the ``reconstruct`` hook (see module docstring).
        images: RGB 0-255 [N, 3, H, W] at the model's pre-training size (``load_images``).
        seed: seeds the random masks, so a figure can be redrawn identically.
    """
    if not callable(getattr(model, 'reconstruct', None)):
        raise TypeError(f'{type(model).__name__} has no reconstruct(inputs) -> dict of panels; implement the '
                        f'hook described in mimbench.models.reconstruction '
                        f'(mimbench.MAE, mimbench.SimMIM do)')
    model.eval()
    torch.manual_seed(seed)
    panels = model.reconstruct(normalise(model, images))
    pixels = {name: denormalise(model, panel) for name, panel in panels.items()}
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    paths = []
    for i in range(images.shape[0]):
        path = out_dir / f'{prefix}_{i}.png'
        compose({name: p[i] for name, p in pixels.items()}).save(path)
        paths.append(path)
    return paths


def load_model(config: str, checkpoint: str | None):
    """Build the algorithm of a pre-training config and load a checkpoint's weights into it."""
    from mmengine.config import Config
    from mmengine.runner import load_checkpoint

    import mimbench  # noqa: F401  (registrations)
    from mimbench.registry import MODELS
    cfg = Config.fromfile(config)
    model = MODELS.build(cfg.model)
    if checkpoint:
        load_checkpoint(model, checkpoint, map_location='cpu', strict=True)
    else:
        model.init_weights()
    return model, cfg


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('config')
    parser.add_argument('checkpoint', help="pre-training checkpoint ('' for untrained weights)")
    parser.add_argument('images', nargs='+')
    parser.add_argument('--out', default='work_dirs/reconstructions')
    parser.add_argument('--seed', type=int, default=0)
    args = parser.parse_args(argv)
    model, cfg = load_model(args.config, args.checkpoint or None)
    from mimbench.models.complexity import image_size_of
    images = load_images(args.images, image_size_of(cfg))
    for path in save_reconstructions(model, images, args.out, Path(args.config).stem, args.seed):
        print(f'wrote {path}')
    return 0


if __name__ == '__main__':
    raise SystemExit(main())
