#!/usr/bin/python3
"""Golden outputs of Pillow's antialiased resize for ImageAntialiasTest.

Run from this directory: /usr/bin/python3 make_pillow_goldens.py  (Debian bookworm: apt-get install python3-pil).
Writes pillow_resize.bin, big-endian:
  int magic 0x4B494C4E, int pillow major*100+minor, int count, then per case
  int sw, sh, ch, dw, dh, filter (0 bilinear, 1 bicubic), pattern (0 random, 1 smooth), dw*dh*ch bytes.
The inputs are not stored: ImageAntialiasTest.pattern makes the same bytes with the same integer formulas.
"""
import struct
import PIL
from PIL import Image

MODES = {1: "L", 3: "RGB", 4: "CMYK"}  # CMYK: four channels resized alike (RGBA would premultiply alpha)
SIZES = [(1, 1, 3, 2), (7, 5, 1, 1), (37, 23, 11, 7), (64, 48, 16, 12), (97, 89, 31, 23), (13, 11, 29, 17),
         (101, 7, 50, 3), (1, 61, 1, 13), (59, 1, 9, 1), (120, 90, 37, 29), (30, 24, 30, 9), (24, 18, 9, 18),
         (250, 160, 24, 16), (5, 5, 2, 2), (19, 13, 41, 27)]


def pattern(w, h, ch, kind, seed):
    out = bytearray(w * h * ch)
    state = seed & 0xFFFFFFFF
    for i in range(w * h * ch):
        if kind == 0:
            # xorshift32
            state ^= (state << 13) & 0xFFFFFFFF
            state ^= state >> 17
            state ^= (state << 5) & 0xFFFFFFFF
            out[i] = (state >> 8) & 0xFF
        else:
            c = i % ch
            x = (i // ch) % w
            y = (i // ch) // w
            out[i] = (x * 255 // max(w - 1, 1) * (2 + c) // 3 + y * 97 // max(h - 1, 1) + (x * y) % 7) & 0xFF
    return bytes(out)


def main():
    major, minor = (int(p) for p in PIL.__version__.split(".")[:2])
    cases = []
    for (sw, sh, dw, dh) in SIZES:
        for ch in (1, 3, 4):
            for flt in (0, 1):
                for kind in (0, 1):
                    seed = sw * 1000003 + sh * 1009 + dw * 31 + dh * 7 + ch * 3 + kind + 1
                    src = Image.frombytes(MODES[ch], (sw, sh), pattern(sw, sh, ch, kind, seed))
                    dst = src.resize((dw, dh), Image.BILINEAR if flt == 0 else Image.BICUBIC)
                    cases.append((sw, sh, ch, dw, dh, flt, kind, dst.tobytes()))
    with open("pillow_resize.bin", "wb") as f:
        f.write(struct.pack(">iii", 0x4B494C4E, major * 100 + minor, len(cases)))
        for (sw, sh, ch, dw, dh, flt, kind, data) in cases:
            assert len(data) == dw * dh * ch
            f.write(struct.pack(">iiiiiii", sw, sh, ch, dw, dh, flt, kind))
            f.write(data)


if __name__ == "__main__":
    main()
