package media

import (
	"bytes"
	"encoding/binary"
	"image"
	"image/draw"
	"image/jpeg"
	"image/png"
)

// Limits on the dimensions an image may declare. They are checked on the
// header (image.DecodeConfig) before any pixel is decoded, so a small file
// declaring a huge canvas never allocates it.
const (
	DefaultMaxSide   = 10000      // pixels on the longer side
	DefaultMaxPixels = 40_000_000 // width × height (a 40-megapixel photo)
)

// jpegQuality is the quality of re-encoded JPEG photos: visually the same
// as a phone's own output.
const jpegQuality = 90

// clean returns the image in data without its metadata (EXIF with the GPS
// position, XMP, comments, text chunks): JPEG and PNG are decoded and
// re-encoded (a JPEG turned upright first, as its EXIF orientation said,
// since the orientation goes with the EXIF); WebP, which the standard
// library cannot decode, keeps its image chunks and loses its EXIF and XMP
// chunks. The dimensions returned are those of the cleaned image.
func clean(contentType string, data []byte) (out []byte, width, height int, err error) {
	var img image.Image
	var b bytes.Buffer
	switch contentType {
	case TypeJPEG:
		if img, err = jpeg.Decode(bytes.NewReader(data)); err != nil {
			return nil, 0, 0, err
		}
		img = upright(img, jpegOrientation(data))
		err = jpeg.Encode(&b, img, &jpeg.Options{Quality: jpegQuality})
	case TypePNG:
		if img, err = png.Decode(bytes.NewReader(data)); err != nil {
			return nil, 0, 0, err
		}
		err = (&png.Encoder{CompressionLevel: png.BestSpeed}).Encode(&b, img)
	case TypeWebP:
		out, err = stripWebP(data)
		if err != nil {
			return nil, 0, 0, err
		}
		cfg, err := webpConfig(out)
		return out, cfg.Width, cfg.Height, err
	default:
		return nil, 0, 0, errBadWebP
	}
	if err != nil {
		return nil, 0, 0, err
	}
	r := img.Bounds()
	return b.Bytes(), r.Dx(), r.Dy(), nil
}

// jpegOrientation reads the EXIF orientation (1..8) of a JPEG; 1 (as
// stored) when there is none or it does not parse.
func jpegOrientation(data []byte) int {
	p := 2 // after SOI
	for p+4 <= len(data) && data[p] == 0xFF {
		marker := data[p+1]
		if marker == 0xDA || marker == 0xD9 { // start of scan, end of image: no more headers
			return 1
		}
		n := int(binary.BigEndian.Uint16(data[p+2 : p+4]))
		if n < 2 || p+2+n > len(data) {
			return 1
		}
		seg := data[p+4 : p+2+n]
		if marker == 0xE1 && bytes.HasPrefix(seg, []byte("Exif\x00\x00")) {
			return exifOrientation(seg[6:])
		}
		p += 2 + n
	}
	return 1
}

// exifOrientation finds tag 0x0112 in IFD0 of a TIFF structure.
func exifOrientation(t []byte) int {
	if len(t) < 8 {
		return 1
	}
	var bo binary.ByteOrder
	switch string(t[:2]) {
	case "II":
		bo = binary.LittleEndian
	case "MM":
		bo = binary.BigEndian
	default:
		return 1
	}
	ifd := int(bo.Uint32(t[4:8]))
	if ifd < 8 || ifd+2 > len(t) {
		return 1
	}
	count := int(bo.Uint16(t[ifd : ifd+2]))
	for i := 0; i < count; i++ {
		e := ifd + 2 + 12*i
		if e+12 > len(t) {
			return 1
		}
		if bo.Uint16(t[e:e+2]) == 0x0112 {
			if v := int(bo.Uint16(t[e+8 : e+10])); v >= 1 && v <= 8 {
				return v
			}
			return 1
		}
	}
	return 1
}

// upright applies an EXIF orientation (2..8) to img.
func upright(img image.Image, orientation int) image.Image {
	if orientation <= 1 || orientation > 8 {
		return img
	}
	b := img.Bounds()
	src := image.NewRGBA(image.Rect(0, 0, b.Dx(), b.Dy()))
	draw.Draw(src, src.Bounds(), img, b.Min, draw.Src)
	w, h := b.Dx(), b.Dy()
	dw, dh := w, h
	if orientation >= 5 { // the transposing ones swap the sides
		dw, dh = h, w
	}
	dst := image.NewRGBA(image.Rect(0, 0, dw, dh))
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			var dx, dy int
			switch orientation {
			case 2: // mirrored horizontally
				dx, dy = w-1-x, y
			case 3: // rotated 180°
				dx, dy = w-1-x, h-1-y
			case 4: // mirrored vertically
				dx, dy = x, h-1-y
			case 5: // transposed
				dx, dy = y, x
			case 6: // rotated 90° clockwise to be upright
				dx, dy = h-1-y, x
			case 7: // transversed
				dx, dy = h-1-y, w-1-x
			case 8: // rotated 90° counter-clockwise to be upright
				dx, dy = y, w-1-x
			}
			copy(dst.Pix[dst.PixOffset(dx, dy):dst.PixOffset(dx, dy)+4], src.Pix[src.PixOffset(x, y):src.PixOffset(x, y)+4])
		}
	}
	return dst
}

// VP8X flags telling that EXIF and XMP chunks follow.
const (
	webpFlagEXIF = 0x08
	webpFlagXMP  = 0x04
)

// stripWebP rewrites a WebP RIFF container without its EXIF and XMP
// chunks (and their VP8X flags). The image chunks are kept as they are.
func stripWebP(data []byte) ([]byte, error) {
	if len(data) < 12 {
		return nil, errBadWebP
	}
	out := make([]byte, 12, len(data))
	copy(out, data[:12])
	for p := 12; p < len(data); {
		if p+8 > len(data) {
			return nil, errBadWebP
		}
		n := int(binary.LittleEndian.Uint32(data[p+4 : p+8]))
		end := p + 8 + n + n%2
		if n < 0 || end > len(data) {
			return nil, errBadWebP
		}
		switch string(data[p : p+4]) {
		case "EXIF", "XMP ":
		case "VP8X":
			start := len(out)
			out = append(out, data[p:end]...)
			if n > 0 {
				out[start+8] &^= webpFlagEXIF | webpFlagXMP
			}
		default:
			out = append(out, data[p:end]...)
		}
		p = end
	}
	binary.LittleEndian.PutUint32(out[4:8], uint32(len(out)-8))
	return out, nil
}
