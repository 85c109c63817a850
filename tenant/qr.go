package tenant

import (
	"bytes"
	"encoding/base64"
	"fmt"
	"image"
	"image/color"
	"image/png"

	qrcode "github.com/yeqown/go-qrcode/v2"
)

const (
	qrModulePixels = 6 // pixels per QR module
	qrQuietModules = 4 // white border, in modules, that scanners need
)

// QRDataURL renders a QR code's text as a PNG data URL ready for an <img>.
func QRDataURL(text string) (string, error) {
	code, err := qrcode.NewWith(text, qrcode.WithErrorCorrectionLevel(qrcode.ErrorCorrectionLow))
	if err != nil {
		return "", fmt.Errorf("tenant: encode qr: %w", err)
	}
	w := &pngWriter{}
	if err := code.Save(w); err != nil {
		return "", fmt.Errorf("tenant: render qr: %w", err)
	}
	return "data:image/png;base64," + base64.StdEncoding.EncodeToString(w.buf.Bytes()), nil
}

// pngWriter draws a QR matrix as a black-on-white grayscale PNG.
type pngWriter struct{ buf bytes.Buffer }

func (w *pngWriter) Write(m qrcode.Matrix) error {
	bits := m.Bitmap()
	size := (len(bits) + 2*qrQuietModules) * qrModulePixels
	img := image.NewGray(image.Rect(0, 0, size, size))
	for i := range img.Pix {
		img.Pix[i] = 0xff
	}
	for y, row := range bits {
		for x, dark := range row {
			if !dark {
				continue
			}
			x0 := (x + qrQuietModules) * qrModulePixels
			y0 := (y + qrQuietModules) * qrModulePixels
			for dy := 0; dy < qrModulePixels; dy++ {
				for dx := 0; dx < qrModulePixels; dx++ {
					img.SetGray(x0+dx, y0+dy, color.Gray{Y: 0})
				}
			}
		}
	}
	enc := png.Encoder{CompressionLevel: png.BestSpeed}
	if err := enc.Encode(&w.buf, img); err != nil {
		return fmt.Errorf("encode png: %w", err)
	}
	return nil
}

func (w *pngWriter) Close() error { return nil }
