package upload

import (
	"encoding/binary"
	"image"
	"image/draw"
)

// EXIF orientation values (TIFF tag 0x0112) that change the picture.
const (
	orientNormal     = 1
	orientFlipH      = 2
	orientRotate180  = 3
	orientFlipV      = 4
	orientTranspose  = 5
	orientRotate90   = 6 // rotate 90° clockwise to display
	orientTransverse = 7
	orientRotate270  = 8 // rotate 90° counter-clockwise to display
)

// jpegOrientation returns the EXIF orientation recorded in data's APP1
// segment, or orientNormal when there is none or it cannot be read. Phones
// store most photos sideways and rely on this tag; since re-encoding drops
// the tag, Sanitize applies it to the pixels instead.
func jpegOrientation(data []byte) int {
	// Walk the marker segments up to the start of scan; every read is
	// bounds-checked because the bytes are untrusted.
	i := 2 // after SOI
	for i+4 <= len(data) {
		if data[i] != 0xFF {
			return orientNormal
		}
		marker := data[i+1]
		switch {
		case marker == 0xFF: // fill byte
			i++
			continue
		case marker == 0xDA || marker == 0xD9: // start of scan, end of image
			return orientNormal
		case marker == 0x01 || (marker >= 0xD0 && marker <= 0xD7): // no length field
			i += 2
			continue
		}
		length := int(binary.BigEndian.Uint16(data[i+2:]))
		if length < 2 || i+2+length > len(data) {
			return orientNormal
		}
		payload := data[i+4 : i+2+length]
		if marker == 0xE1 && len(payload) >= 6 && string(payload[:6]) == "Exif\x00\x00" {
			return tiffOrientation(payload[6:])
		}
		i += 2 + length
	}
	return orientNormal
}

// tiffOrientation reads the orientation tag from IFD0 of a TIFF structure.
func tiffOrientation(tiff []byte) int {
	if len(tiff) < 8 {
		return orientNormal
	}
	var order binary.ByteOrder
	switch string(tiff[:4]) {
	case "II*\x00":
		order = binary.LittleEndian
	case "MM\x00*":
		order = binary.BigEndian
	default:
		return orientNormal
	}
	ifd := int64(order.Uint32(tiff[4:]))
	if ifd+2 > int64(len(tiff)) {
		return orientNormal
	}
	count := int64(order.Uint16(tiff[ifd:]))
	for e := int64(0); e < count; e++ {
		at := ifd + 2 + 12*e
		if at+12 > int64(len(tiff)) {
			return orientNormal
		}
		entry := tiff[at : at+12]
		const tagOrientation, typeShort = 0x0112, 3
		if order.Uint16(entry) != tagOrientation {
			continue
		}
		if order.Uint16(entry[2:]) != typeShort || order.Uint32(entry[4:]) != 1 {
			return orientNormal
		}
		if v := int(order.Uint16(entry[8:])); v >= orientNormal && v <= orientRotate270 {
			return v
		}
		return orientNormal
	}
	return orientNormal
}

// applyOrientation returns img turned so that it displays upright. Grey
// images stay grey; everything else becomes RGBA.
func applyOrientation(img image.Image, orientation int) image.Image {
	if orientation <= orientNormal || orientation > orientRotate270 {
		return img
	}
	b := img.Bounds()
	sw, sh := b.Dx(), b.Dy()
	dw, dh := sw, sh
	if orientation >= orientTranspose {
		dw, dh = sh, sw
	}
	var src, dst []byte
	var srcStride, dstStride, bpp int
	var out image.Image
	if g, ok := img.(*image.Gray); ok {
		d := image.NewGray(image.Rect(0, 0, dw, dh))
		src, srcStride, dst, dstStride, bpp, out = g.Pix[g.PixOffset(b.Min.X, b.Min.Y):], g.Stride, d.Pix, d.Stride, 1, d
	} else {
		s := image.NewRGBA(image.Rect(0, 0, sw, sh))
		draw.Draw(s, s.Bounds(), img, b.Min, draw.Src)
		d := image.NewRGBA(image.Rect(0, 0, dw, dh))
		src, srcStride, dst, dstStride, bpp, out = s.Pix, s.Stride, d.Pix, d.Stride, 4, d
	}
	for dy := range dh {
		for dx := range dw {
			var sx, sy int
			switch orientation {
			case orientFlipH:
				sx, sy = sw-1-dx, dy
			case orientRotate180:
				sx, sy = sw-1-dx, sh-1-dy
			case orientFlipV:
				sx, sy = dx, sh-1-dy
			case orientTranspose:
				sx, sy = dy, dx
			case orientRotate90:
				sx, sy = dy, sh-1-dx
			case orientTransverse:
				sx, sy = sw-1-dy, sh-1-dx
			case orientRotate270:
				sx, sy = sw-1-dy, dx
			}
			copy(dst[dy*dstStride+dx*bpp:dy*dstStride+dx*bpp+bpp], src[sy*srcStride+sx*bpp:])
		}
	}
	return out
}
