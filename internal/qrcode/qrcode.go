// Package qrcode draws plain QR codes (github.com/skip2/go-qrcode): codes
// any phone camera reads, for addresses printed on paper. Codes that open a
// page of the mini-program are wxacodes, made by WeChat (package wechat).
package qrcode

import (
	"fmt"

	qr "github.com/skip2/go-qrcode"
)

// Size is the side of the PNG in pixels.
const Size = 480

// Encoder implements the domains' QR code interfaces.
type Encoder struct{}

// PNG draws content as a QR code (error correction level M, quiet zone
// included), Size pixels square.
func (Encoder) PNG(content string) ([]byte, error) {
	b, err := qr.Encode(content, qr.Medium, Size)
	if err != nil {
		return nil, fmt.Errorf("qrcode: %w", err)
	}
	return b, nil
}
