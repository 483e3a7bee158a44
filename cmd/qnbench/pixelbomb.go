package main

import (
	"bytes"
	"compress/zlib"
	"context"
	"encoding/binary"
	"fmt"
	"hash/crc32"
	"strings"
	"sync"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
)

// flatPNG is a w×h RGBA PNG of 8 or 16 bits a channel, one flat colour, written row by row (never held
// decoded): a few hundred KB that decode to w × h × 4 or 8 bytes, as the pixel bomb of issue 18 did.
func flatPNG(w, h int, depth byte) []byte {
	chunk := func(b *bytes.Buffer, typ string, data []byte) {
		_ = binary.Write(b, binary.BigEndian, uint32(len(data)))
		b.WriteString(typ)
		b.Write(data)
		_ = binary.Write(b, binary.BigEndian, crc32.ChecksumIEEE(append([]byte(typ), data...)))
	}
	var out bytes.Buffer
	out.WriteString("\x89PNG\r\n\x1a\n")
	ihdr := binary.BigEndian.AppendUint32(binary.BigEndian.AppendUint32(nil, uint32(w)), uint32(h))
	chunk(&out, "IHDR", append(ihdr, depth, 6, 0, 0, 0))
	var idat bytes.Buffer
	zw, _ := zlib.NewWriterLevel(&idat, zlib.BestCompression)
	row := bytes.Repeat([]byte{0x7f}, 1+w*4*int(depth)/8)
	row[0] = 0 // filter: none
	for range h {
		_, _ = zw.Write(row)
	}
	_ = zw.Close()
	chunk(&out, "IDAT", idat.Bytes())
	chunk(&out, "IEND", nil)
	return out.Bytes()
}

// rssPixelBombs is the rss section's second part, on the same process: clients post a 7000 × 7000 16-bit
// RGBA PNG each at once (refused from its header before decoding), then two residents post the heaviest
// photo still accepted (a 5000 × 5000 16-bit RGBA PNG, 191 MiB decoded), which the worker renders.
func rssPixelBombs(rs *results, pid int, base string, env map[string]string, clients int, mc *mongo.Client, db string, settle time.Duration) error {
	ctx := context.Background()
	measure := func(name string, png []byte, n int) (answers map[string]int, hwm int64, err error) {
		if err := resetPeak(pid); err != nil {
			return nil, 0, err
		}
		ct, body := reportBody(png)
		sub, err := newSubmitter(base, env, name, n, ct, body)
		if err != nil {
			return nil, 0, err
		}
		defer sub.close()
		answers = map[string]int{}
		var mu sync.Mutex
		var wg sync.WaitGroup
		gate := make(chan struct{})
		for w := range n {
			wg.Go(func() {
				<-gate
				k := "201"
				if err := sub.submit(w, 0); err != nil {
					k = errKind(err)
					if strings.HasPrefix(k, "HTTP ") && len(k) >= 8 {
						k = k[5:8]
					}
				}
				mu.Lock()
				answers[k]++
				mu.Unlock()
			})
		}
		close(gate)
		wg.Wait()
		// The worker renders what was accepted: wait until no photo is left to derive.
		for deadline := time.Now().Add(settle); time.Now().Before(deadline); time.Sleep(250 * time.Millisecond) {
			left, err := mc.Database(db).Collection("reports").CountDocuments(ctx, bson.D{{Key: "photos.state", Value: "processing"}})
			if err == nil && left == 0 {
				break
			}
		}
		_, hwm, err = rssOf(pid)
		return answers, hwm, err
	}

	bomb := flatPNG(7000, 7000, 16)
	answers, hwm, err := measure("bomb", bomb, clients)
	if err != nil {
		return err
	}
	rs.add("rss.peak_with_pixel_bombs", mb(hwm), "MiB", fmt.Sprintf("VmHWM (reset before) while %d clients post at once one report each with a 7000 × 7000 16-bit RGBA PNG of %d bytes (373 MiB decoded, over the 256 MiB a photo may take): answers %v", clients, len(bomb), answers))
	heavy := flatPNG(5000, 5000, 16)
	answers, hwm, err = measure("heavy", heavy, 2)
	if err != nil {
		return err
	}
	rs.add("rss.peak_with_heaviest_accepted", mb(hwm), "MiB", fmt.Sprintf("VmHWM (reset before) while 2 residents post a 5000 × 5000 16-bit RGBA PNG of %d bytes each (191 MiB decoded, the heaviest kind still accepted) and the worker renders both, one at a time within the render budget: answers %v", len(heavy), answers))
	return nil
}
