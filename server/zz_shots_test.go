package server_test

import (
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/tally-project/tally/server"
)

func TestZZShots(t *testing.T) {
	if os.Getenv("ZZ") == "" {
		t.Skip()
	}
	g := regime(t)
	b := server.StartBrowser(t)
	ctx := server.NewTab(t, b)
	vp := server.Viewports[0]
	if os.Getenv("ZZPHONE") != "" {
		vp = server.Viewports[1]
	}
	server.Do(t, ctx, server.Emulate(vp))
	// sign in as the US operator through the form
	server.Do(t, ctx, chromedp.Navigate(g.URL["US"]+"login"), chromedp.WaitReady(chromedp.CSS("footer")))
	server.Do(t, ctx, chromedp.SetValue(chromedp.ID("token"), g.Operator["US"]))
	if _, err := chromedp.RunResponse(ctx, chromedp.Click(chromedp.CSS(`.login-form button`))); err != nil {
		t.Fatal(err)
	}
	for _, p := range strings.Split(os.Getenv("ZZ"), ",") {
		server.Do(t, ctx, chromedp.Navigate(g.URL["US"]+strings.TrimPrefix(p, "/")), chromedp.WaitReady(chromedp.CSS("footer")))
		time.Sleep(1500 * time.Millisecond)
		name := "zz-" + vp.Name + "-" + strings.NewReplacer("/", "_", "?", "_", "&", "_", "=", "_").Replace(p)
		h := server.Eval[int](t, ctx, `document.documentElement.scrollHeight`)
		for i := 0; i*int(vp.Height) < h && i < 8; i++ {
			server.Eval[bool](t, ctx, fmt.Sprintf(`window.scrollTo(0, %d), true`, i*int(vp.Height)))
			time.Sleep(200 * time.Millisecond)
			png, err := chromedp.Run(ctx, chromedp.CaptureScreenshot())
			if err != nil {
				t.Fatal(err)
			}
			os.WriteFile(fmt.Sprintf("/tmp/shots/%s-%d.png", name, i), png, 0o644)
		}
	}
}
