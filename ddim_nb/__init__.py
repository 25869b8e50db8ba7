__version__ = "0.0.1"

# The front door: the names most programs need. Everything else stays reachable by module (`ddim_nb.inversion`, …).
from .ddim import DDIM, decode, randn_latents
from .pretrained import available, load, load_checkpoint
from .data import load_data, load_images, to_model_range
from .inversion import METHODS, invert, reconstruct
from .interpolation import interpolate_images, interpolate_latents, lerp, slerp
from .classifier import attribute_classifier
from .pairs import generate_pairs, label_pairs
from .editing import edit, edit_boundaries, edit_images, edit_real, edit_refinement, fit_boundaries, shipped_boundaries
from .images import save_grid, show_images
from .metrics import evaluate_fid, psnr, ssim
from .guidance import class_swap, guided_decode, negative_prompt_invert, null_text_invert
from .adapters import from_diffusers  # diffusers itself is imported only when it is called

__all__ = [
    'DDIM', 'decode', 'randn_latents', 'available', 'load', 'load_checkpoint', 'load_data', 'load_images',
    'to_model_range', 'METHODS', 'invert', 'reconstruct', 'interpolate_images', 'interpolate_latents', 'lerp', 'slerp',
    'attribute_classifier', 'generate_pairs', 'label_pairs', 'edit', 'edit_boundaries', 'edit_images', 'edit_real',
    'edit_refinement', 'fit_boundaries', 'shipped_boundaries', 'save_grid', 'show_images', 'evaluate_fid', 'psnr',
    'ssim', 'class_swap', 'guided_decode', 'negative_prompt_invert', 'null_text_invert', 'from_diffusers',
    'TrainConfig', 'RECIPES',
]


def __getattr__(name):
    # the trainer loads only when asked for; its `train` function keeps its module's name:
    # `from ddim_nb.train import train` (as `demo` does: `from ddim_nb.demo import demo`)
    if name in ('TrainConfig', 'RECIPES'):
        from . import train as _train

        return getattr(_train, name)
    raise AttributeError(f"module 'ddim_nb' has no attribute {name!r}")
