"""Reference pixels for the DICOM reader cross-check (test/models/image/pydicom-crosscheck.test.ts).

In: an output folder. Walks the DICOM files shipped inside the pydicom and pydicom-data wheels (installed in
.venv by scripts/setup.sh; nothing is downloaded), decodes the first frame of each with pydicom 3 and its
pylibjpeg/pyjpegls plugins, and puts the samples through the display pipeline that docs/image-reading.md
documents for our reader: colour to luminance (YBR: the Y sample; RGB: Rec. 601, rounded), masking to Bits
Stored below High Bit with sign extension, pydicom's Modality LUT / rescale, then our VOI rules (VOI LUT
Sequence / Window Center-Width with LINEAR, LINEAR_EXACT, SIGMOID / full range for <= 8-bit unsigned data /
0.5-99.5 % percentile window from a 4096-bin histogram without the padding value) and the polarity inversion.
Out: <out>/manifest.json (one entry per file: status, rows, cols, transfer syntax, photometric as decoded)
and <out>/<n>.f32 (rows*cols little-endian float32 display values in [0, 1]). A file pydicom cannot open is
left out; one it cannot decode is listed with status "decode-failed" and pydicom's message.
"""

import json
import math
import sys
import warnings
from pathlib import Path

import data_store
import numpy as np
import pydicom
from pydicom.pixels import get_decoder
from pydicom.pixels.processing import apply_modality_lut
from pydicom.uid import ExplicitVRBigEndian, ExplicitVRLittleEndian, ImplicitVRLittleEndian

warnings.simplefilter("ignore")

CORPORA = {
    "pydicom": Path(pydicom.__file__).parent / "data",
    "pydicom-data": Path(data_store.__file__).parent / "data",
}


def transfer_syntax(ds):
    uid = ds.file_meta.get("TransferSyntaxUID") if hasattr(ds, "file_meta") else None
    if uid:
        return uid
    implicit, little = ds.original_encoding
    if implicit:
        return ImplicitVRLittleEndian
    return ExplicitVRLittleEndian if little else ExplicitVRBigEndian


def stored_values(arr, photometric, ds):
    """Decoded samples of one frame -> one integer value per pixel (int64)."""
    if arr.ndim == 3:
        if photometric.startswith("YBR"):
            return arr[..., 0].astype(np.int64)
        rgb = arr.astype(np.float64)
        return np.floor(0.299 * rgb[..., 0] + 0.587 * rgb[..., 1] + 0.114 * rgb[..., 2] + 0.5).astype(np.int64)
    bits_allocated = int(ds.BitsAllocated)
    bits_stored = min(int(ds.get("BitsStored") or bits_allocated), bits_allocated)
    high_bit = int(ds.get("HighBit", bits_stored - 1))
    shift = max(0, high_bit + 1 - bits_stored)
    values = arr.astype(np.int64)
    if bits_stored < 32:
        values = (values >> shift) & ((1 << bits_stored) - 1)
        if int(ds.get("PixelRepresentation", 0)) == 1:
            values = np.where(values >= 1 << (bits_stored - 1), values - (1 << bits_stored), values)
    return values


def lut_from(ds, sequence):
    items = ds.get(sequence)
    if not items or "LUTDescriptor" not in items[0] or "LUTData" not in items[0]:
        return None
    item = items[0]
    entries, first, bits = (int(v) for v in item.LUTDescriptor)
    data = item.LUTData
    if isinstance(data, (bytes, bytearray)):
        data = np.frombuffer(data, dtype="<u2" if len(data) >= 2 * (entries or 65536) else "u1")
    data = np.asarray(data, dtype=np.float64).ravel()
    if int(ds.get("PixelRepresentation", 0)) == 1 and first > 32767:
        first -= 65536
    return first, bits, data


def percentile_window(values, exclude):
    flat = values.ravel()
    kept = flat if exclude is None else flat[flat != np.float32(exclude)]
    if kept.size == 0:
        return float(np.float32(exclude)), 1.0
    lo, hi = float(kept.min()), float(kept.max())
    if not hi > lo:
        return lo, 1.0
    scale = 4095 / (hi - lo)
    bins = np.floor((kept.astype(np.float64) - lo) * scale + 0.5).astype(np.int64)
    cumulative = np.cumsum(np.bincount(bins, minlength=4096))

    def quantile(q):
        hits = np.nonzero(cumulative >= q * kept.size)[0]
        return lo + hits[0] / scale if hits.size else hi

    low = quantile(0.005)
    high = max(quantile(0.995), low + 1e-6)
    return (low + high) / 2, high - low


def linear_exact(x, center, width):
    y = (x - center) / width + 0.5
    return np.where(x <= center - width / 2, 0.0, np.where(x > center + width / 2, 1.0, y))


def linear(x, center, width):
    w = max(width, 1.0)
    y = (x - (center - 0.5)) / (w - 1) + 0.5 if w != 1 else np.ones_like(x)
    return np.where(x <= center - 0.5 - (w - 1) / 2, 0.0, np.where(x > center - 0.5 + (w - 1) / 2, 1.0, y))


def first_number(ds, keyword):
    value = ds.get(keyword)
    if value is None or value == "":
        return None
    if isinstance(value, pydicom.multival.MultiValue):
        value = value[0] if len(value) else None
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return None if math.isnan(number) else number


def display(stored, ds):
    modality_lut = ds.get("ModalityLUTSequence")
    values = np.asarray(apply_modality_lut(stored, ds), dtype=np.float64).astype(np.float32)
    padding = ds.get("PixelPaddingValue")
    voi_lut = lut_from(ds, "VOILUTSequence")
    center, width = first_number(ds, "WindowCenter"), first_number(ds, "WindowWidth")
    function = str(ds.get("VOILUTFunction", "LINEAR")).strip().upper() or "LINEAR"
    x = values.astype(np.float64)
    if voi_lut:
        first, bits, data = voi_lut
        index = np.clip(np.floor(x + 0.5) - first, 0, data.size - 1).astype(np.int64)
        y = np.minimum(data[index] / (2**bits - 1), 1.0)
    elif center is not None and width is not None and width > 0:
        if function == "SIGMOID":
            y = 1 / (1 + np.exp(-4 * (x - center) / width))
        elif function == "LINEAR_EXACT" or width < 1:
            y = linear_exact(x, center, width)
        else:
            y = linear(x, center, width)
    else:
        slope, intercept = first_number(ds, "RescaleSlope") or 1, first_number(ds, "RescaleIntercept") or 0
        bits_stored = int(ds.get("BitsStored") or ds.BitsAllocated)
        identity = not modality_lut and slope == 1 and intercept == 0
        if identity and bits_stored <= 8 and int(ds.get("PixelRepresentation", 0)) == 0:
            top = 2**bits_stored - 1
            y = linear_exact(x, top / 2, top)
        else:
            exclude = None
            if padding is not None:
                exclude = float(apply_modality_lut(np.asarray([padding]), ds)[0])
            y = linear_exact(x, *percentile_window(values, exclude))
    photometric = str(ds.get("PhotometricInterpretation", "")).strip().upper()
    shape = str(ds.get("PresentationLUTShape", "")).strip().upper()
    if photometric == "MONOCHROME1" or shape == "INVERSE":
        y = 1 - y
    return np.asarray(y, dtype=np.float32)


def reference(path, ds):
    entry = {"transferSyntax": str(transfer_syntax(ds))}
    if "PixelData" not in ds:
        return {**entry, "status": "no-pixels"}
    try:
        decoder = get_decoder(transfer_syntax(ds))
        arr, meta = decoder.as_array(ds, index=0, raw=True)
    except Exception as error:  # noqa: BLE001 - any decoder failure is reported, not raised
        return {**entry, "status": "decode-failed", "message": f"{type(error).__name__}: {error}"[:300]}
    photometric = str(meta.get("photometric_interpretation", ds.get("PhotometricInterpretation", "")))
    if arr.ndim == 3 and arr.shape[-1] != 3:
        return {**entry, "status": "decode-failed", "message": f"{arr.shape[-1]} samples per pixel"}
    pixels = display(stored_values(arr, photometric, ds), ds)
    return {**entry, "status": "pixels", "rows": int(arr.shape[0]), "cols": int(arr.shape[1]),
            "photometric": photometric, "pixels": pixels}


def main(out):
    out.mkdir(parents=True, exist_ok=True)
    manifest = []
    for corpus, root in CORPORA.items():
        for path in sorted(p for p in root.rglob("*") if p.is_file() and p.suffix not in (".py", ".pyc")):
            try:
                ds = pydicom.dcmread(path)
            except Exception:  # noqa: BLE001 - not a DICOM file pydicom opens: not in the corpus
                continue
            entry = {"file": f"{corpus}/{path.relative_to(root).as_posix()}", "path": str(path)}
            result = reference(path, ds)
            pixels = result.pop("pixels", None)
            if pixels is not None:
                name = f"{len(manifest)}.f32"
                pixels.astype("<f4").tofile(out / name)
                result["pixelsFile"] = name
            manifest.append({**entry, **result})
    (out / "manifest.json").write_text(json.dumps(manifest, indent=1))
    print(f"{len(manifest)} files", file=sys.stderr)


if __name__ == "__main__":
    main(Path(sys.argv[1]))
