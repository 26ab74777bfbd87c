package face

import "encoding/binary"

// jpegOrientation returns the EXIF orientation (1–8) of a JPEG, or 1 when
// there is none or the metadata is malformed. Phones store photos as the
// sensor saw them and record the rotation here; browsers apply it, so the
// engine must too or an upright selfie reaches the detector on its side.
func jpegOrientation(b []byte) int {
	if len(b) < 4 || b[0] != 0xFF || b[1] != 0xD8 {
		return 1
	}
	for i := 2; i+4 <= len(b); {
		if b[i] != 0xFF {
			return 1
		}
		marker := b[i+1]
		if marker == 0xD9 || marker == 0xDA { // end of image, start of scan
			return 1
		}
		size := int(binary.BigEndian.Uint16(b[i+2:]))
		if size < 2 || i+2+size > len(b) {
			return 1
		}
		seg := b[i+4 : i+2+size]
		if marker == 0xE1 && len(seg) >= 6 && string(seg[:6]) == "Exif\x00\x00" {
			return tiffOrientation(seg[6:])
		}
		i += 2 + size
	}
	return 1
}

func tiffOrientation(t []byte) int {
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
	ifd := int(bo.Uint32(t[4:]))
	if ifd < 8 || ifd+2 > len(t) {
		return 1
	}
	n := int(bo.Uint16(t[ifd:]))
	for k := 0; k < n; k++ {
		e := ifd + 2 + 12*k
		if e+12 > len(t) {
			return 1
		}
		if bo.Uint16(t[e:]) == 0x0112 && bo.Uint16(t[e+2:]) == 3 { // Orientation, SHORT
			if v := int(bo.Uint16(t[e+8:])); v >= 1 && v <= 8 {
				return v
			}
			return 1
		}
	}
	return 1
}

// oriented returns im transformed so that it displays upright for EXIF
// orientation o (1 = as stored; 2–8 mirror and/or rotate).
func (im *Image) oriented(o int) *Image {
	if o <= 1 || o > 8 {
		return im
	}
	w, h := im.w, im.h
	ow, oh := w, h
	if o >= 5 { // 5–8 swap the axes
		ow, oh = h, w
	}
	out := &Image{w: ow, h: oh, pix: make([]byte, len(im.pix))}
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			var dx, dy int
			switch o {
			case 2: // mirrored horizontally
				dx, dy = w-1-x, y
			case 3: // rotated 180°
				dx, dy = w-1-x, h-1-y
			case 4: // mirrored vertically
				dx, dy = x, h-1-y
			case 5: // transposed
				dx, dy = y, x
			case 6: // stored rotated 90° counter-clockwise: turn clockwise
				dx, dy = h-1-y, x
			case 7: // transversed
				dx, dy = h-1-y, w-1-x
			case 8: // stored rotated 90° clockwise: turn counter-clockwise
				dx, dy = y, w-1-x
			}
			copy(out.pix[(dy*ow+dx)*3:(dy*ow+dx)*3+3], im.pix[(y*w+x)*3:(y*w+x)*3+3])
		}
	}
	return out
}
