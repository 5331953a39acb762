package wxemu

import (
	"bytes"
	"crypto/sha256"
	"image"
	"image/color"
	"image/jpeg"
)

// renderCode draws a small, real JPEG that looks vaguely like a code: a
// 21×21 module grid derived from seed with three finder squares. width is
// clamped to 64…512 pixels; 0 means 128.
func renderCode(seed string, width int) ([]byte, error) {
	switch {
	case width == 0:
		width = 128
	case width < 64:
		width = 64
	case width > 512:
		width = 512
	}
	const modules = 21
	cell := width / (modules + 2)
	img := image.NewGray(image.Rect(0, 0, width, width))
	for i := range img.Pix {
		img.Pix[i] = 0xff
	}
	bits := bitsOf(seed, modules*modules)
	dark := func(x, y int) bool {
		for _, o := range [][2]int{{0, 0}, {modules - 7, 0}, {0, modules - 7}} {
			fx, fy := x-o[0], y-o[1]
			if fx >= 0 && fx < 7 && fy >= 0 && fy < 7 {
				ring := min(fx, fy, 6-fx, 6-fy)
				return ring != 1
			}
		}
		return bits[y*modules+x]
	}
	for y := range modules {
		for x := range modules {
			if !dark(x, y) {
				continue
			}
			for py := (y + 1) * cell; py < (y+2)*cell; py++ {
				for px := (x + 1) * cell; px < (x+2)*cell; px++ {
					img.SetGray(px, py, color.Gray{})
				}
			}
		}
	}
	var buf bytes.Buffer
	if err := jpeg.Encode(&buf, img, &jpeg.Options{Quality: 75}); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// bitsOf expands seed into n pseudo-random bits.
func bitsOf(seed string, n int) []bool {
	out := make([]bool, 0, n)
	block := sha256.Sum256([]byte(seed))
	for len(out) < n {
		for _, b := range block {
			for i := range 8 {
				out = append(out, b&(1<<i) != 0)
			}
		}
		block = sha256.Sum256(block[:])
	}
	return out[:n]
}
