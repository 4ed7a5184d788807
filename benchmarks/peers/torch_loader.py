#!/usr/bin/env python3
"""PyTorch's DataLoader on the ImageNet evaluation chain: the peer of LoaderBenchmark.

The chain is torchvision's standard one: PIL decode (torchvision's default_loader), Resize(256),
CenterCrop(224), ToTensor(), Normalize(ImageNet mean and std), batches of 64 collated by the
DataLoader from its worker processes. Prints one line per epoch as JSON:
{"epoch": 0, "images": 2000, "seconds": 6.1, "images_per_s": 327.9}

    python3 torch_loader.py FOLDER [--workers 2] [--batch 64] [--epochs 3] [--decode-only]

Debian: apt-get install python3-torch python3-torchvision (torch 1.13, torchvision 0.14 here).
"""
import argparse
import json
import os
import sys
import time

import torch
from PIL import Image
from torch.utils.data import DataLoader, Dataset
from torchvision import transforms


class Files(Dataset):
    def __init__(self, paths, transform):
        self.paths = paths
        self.transform = transform

    def __len__(self):
        return len(self.paths)

    def __getitem__(self, i):
        with open(self.paths[i], "rb") as f:
            img = Image.open(f).convert("RGB")  # torchvision.datasets.folder.pil_loader
        return self.transform(img)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("folder")
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--batch", type=int, default=64)
    ap.add_argument("--epochs", type=int, default=3)
    ap.add_argument("--decode-only", action="store_true", help="PIL decode + ToTensor only (the decode ceiling of this stack)")
    a = ap.parse_args()
    paths = sorted(os.path.join(a.folder, f) for f in os.listdir(a.folder) if f.lower().endswith((".jpg", ".jpeg")))
    if a.decode_only:
        t = transforms.PILToTensor()
    else:
        t = transforms.Compose([
            transforms.Resize(256),
            transforms.CenterCrop(224),
            transforms.ToTensor(),
            transforms.Normalize(mean=[0.485, 0.456, 0.406], std=[0.229, 0.224, 0.225]),
        ])
    collate = (lambda b: b) if a.decode_only else None
    kw = {"collate_fn": collate} if collate else {}
    loader = DataLoader(Files(paths, t), batch_size=a.batch, num_workers=a.workers, shuffle=False, **kw)
    for epoch in range(a.epochs):
        t0 = time.perf_counter()
        n = 0
        for b in loader:
            n += len(b) if a.decode_only else b.shape[0]
        dt = time.perf_counter() - t0
        print(json.dumps({"epoch": epoch, "images": n, "seconds": round(dt, 4), "images_per_s": round(n / dt, 1),
                          "torch": torch.__version__, "workers": a.workers}), flush=True)


if __name__ == "__main__":
    sys.exit(main())
