"""The baseline for bench/labels.sh: 1,000 asset labels on an A4 sheet of 24 (Avery L7159,
63.5 x 33.9 mm), drawn with reportlab and segno the plain way (a filled square per dark module,
text beside the code, pages compressed). Prints the best of five runs' seconds and the size.

    python3 bench/labels_reportlab.py [out.pdf]
"""

import io
import sys
import time

import segno
from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.pdfgen import canvas

COLUMNS, ROWS = 3, 8
WIDTH, HEIGHT = 63.5 * mm, 33.9 * mm
LEFT, TOP, GAP = 7.2 * mm, 12.9 * mm, 2.5 * mm
MARGIN = 2 * mm


def sheet(tags):
    out = io.BytesIO()
    c = canvas.Canvas(out, pagesize=A4, pageCompression=1)
    page_width, page_height = A4
    for i, tag in enumerate(tags):
        slot = i % (COLUMNS * ROWS)
        if i and slot == 0:
            c.showPage()
        column, row = slot % COLUMNS, slot // COLUMNS
        x = LEFT + column * (WIDTH + GAP)
        y = page_height - TOP - (row + 1) * HEIGHT
        code = segno.make_qr(f"https://lend.example.org/d/{tag}", error="q", boost_error=False)
        matrix = code.matrix
        side = HEIGHT - 2 * MARGIN
        module = side / (len(matrix) + 8)
        for r, line in enumerate(matrix):
            for col, dark in enumerate(line):
                if dark:
                    c.rect(x + MARGIN + (col + 4) * module, y + MARGIN + side - (r + 5) * module,
                           module, module, stroke=0, fill=1)
        text_x = x + MARGIN + side
        c.setFont("Helvetica-Bold", 14)
        c.drawString(text_x, y + HEIGHT - 8 * mm, tag)
        c.setFont("Helvetica", 7)
        c.drawString(text_x, y + HEIGHT - 13 * mm, "Tower Community Homes")
        c.drawString(text_x, y + HEIGHT - 17 * mm, "Found this? Please call")
        c.drawString(text_x, y + HEIGHT - 20 * mm, "020 7946 0018.")
    c.save()
    return out.getvalue()


def main():
    tags = [f"TCH-{n:05d}" for n in range(1, 1001)]
    best, pdf = float("inf"), b""
    for _ in range(5):
        started = time.perf_counter()
        pdf = sheet(tags)
        best = min(best, time.perf_counter() - started)
    if len(sys.argv) > 1:
        with open(sys.argv[1], "wb") as f:
            f.write(pdf)
    print(f"RESULT reportlab: best of 5 {best:.3f} s, {len(pdf)} bytes")


if __name__ == "__main__":
    main()
