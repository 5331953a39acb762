package httpapi

import (
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/gin-gonic/gin"

	"gongjian/internal/errs"
)

// Words a message may carry: acronyms people know from their phones and
// files, and units.
var plainWords = map[string]bool{"WebP": true, "mmHg": true, "mmol": true, "L": true}

var (
	formatVerb = regexp.MustCompile(`%[-+# 0]*[0-9]*(\.[0-9]+)?[a-zA-Z]`)
	asciiWord  = regexp.MustCompile(`[A-Za-z][A-Za-z0-9_]*`)
)

// technicalWords returns the words of msg a resident should not meet:
// field and parameter names (snake_case or lower case), "RFC", "JSON".
func technicalWords(msg string) []string {
	var bad []string
	for _, w := range asciiWord.FindAllString(formatVerb.ReplaceAllString(msg, ""), -1) {
		upper := strings.ToUpper(w) == w && !strings.Contains(w, "_")
		if plainWords[w] || (upper && w != "RFC" && w != "JSON") {
			continue
		}
		bad = append(bad, w)
	}
	return bad
}

// errsMessageArg is the message argument of an errs constructor call.
var errsMessageArg = map[string]int{"New": 2, "Wrap": 3, "Invalid": 1, "Unprocessable": 1, "NotFound": 1, "Conflict": 1,
	"Forbidden": 1, "Unauthorized": 1, "Unavailable": 1}

// Not residents' (nor staff's) reading: the device vendors' webhook answers
// (machine to machine, in the vendor's terms), test and demo support.
var notForPeople = map[string]bool{"wristband/ingest.go": true}
var notForPeopleDirs = map[string]bool{"console": true, "wxemu": true, "demo": true, "benchkit": true, "testenv": true, "faulttest": true}

// Every message of an errs constructor anywhere in the application (what
// residents and staff read) is plain Chinese: no field or parameter names,
// no "RFC 3339", no snake_case values, no name glued in from a variable
// ("字段 "+name). The answers built at run time from names (a wrong field
// type, an unknown field, a bad query parameter, a time without its zone)
// are checked with the real decoders below.
func TestResidentMessagesPlainChinese(t *testing.T) {
	fset := token.NewFileSet()
	checked := 0
	err := filepath.WalkDir("..", func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel("..", path)
		if d.IsDir() {
			if notForPeopleDirs[rel] {
				return filepath.SkipDir
			}
			return nil
		}
		if !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") || notForPeople[filepath.ToSlash(rel)] {
			return nil
		}
		f, err := parser.ParseFile(fset, path, nil, 0)
		if err != nil {
			return err
		}
		ast.Inspect(f, func(n ast.Node) bool {
			call, ok := n.(*ast.CallExpr)
			if !ok {
				return true
			}
			sel, ok := call.Fun.(*ast.SelectorExpr)
			if !ok {
				return true
			}
			if pkg, isIdent := sel.X.(*ast.Ident); !isIdent || pkg.Name != "errs" {
				return true
			}
			i, ok := errsMessageArg[sel.Sel.Name]
			if !ok || i >= len(call.Args) {
				return true
			}
			checked++
			checkMessageExpr(t, fset, call.Args[i])
			return true
		})
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if checked < 300 {
		t.Fatalf("only %d errs messages found: is the walk looking at the source?", checked)
	}

	// Built at run time from the names of fields and parameters.
	type target struct {
		Minutes int       `json:"minutes"`
		At      time.Time `json:"at"`
	}
	runtime := map[string]func() error{
		"a wrong type":                   func() error { return decodeBody(`{"minutes":"两个小时"}`, &target{}) },
		"a wrong type, nested":           func() error { var v struct{ A []target }; return decodeBody(`{"A":[{"minutes":true}]}`, &v) },
		"a whole body of the wrong type": func() error { return decodeBody(`[1]`, &target{}) },
		"an unknown field":               func() error { return decodeBody(`{"hours":2}`, &target{}) },
		"a time without a zone":          func() error { return decodeBody(`{"at":"2026-12-01T09:00:00"}`, &target{}) },
		"a duplicate key":                func() error { return decodeBody(`{"minutes":1,"minutes":2}`, &target{}) },
		"not JSON":                       func() error { return decodeBody(`{"minutes":`, &target{}) },
		"a form":                         func() error { return decodeWith("application/x-www-form-urlencoded", `minutes=1`, &target{}) },
		"an int parameter":               func() error { _, err := queryInt(queryContext("limit=abc"), "limit", 1, 1, 10); return err },
		"an id parameter":                func() error { _, err := queryID(queryContext("before_id=x"), "before_id"); return err },
		"a time parameter":               func() error { _, err := queryTime(queryContext("before=yesterday"), "before", false); return err },
		"a bool parameter":               func() error { _, err := queryBool(queryContext("mine=maybe"), "mine"); return err },
	}
	for name, f := range runtime {
		e := errs.As(f())
		if bad := technicalWords(e.Message); len(bad) > 0 || !hasHan(e.Message) || e.Kind != errs.KindInvalid {
			t.Errorf("%s: %s %q (technical: %v)", name, e.Code, e.Message, bad)
		}
	}
}

// checkMessageExpr checks the string literals of a message expression and
// refuses a literal that leaves a space for a value glued next to it.
func checkMessageExpr(t *testing.T, fset *token.FileSet, x ast.Expr) {
	t.Helper()
	ast.Inspect(x, func(n ast.Node) bool {
		switch n := n.(type) {
		case *ast.BasicLit:
			if n.Kind != token.STRING {
				return true
			}
			s, _ := strconv.Unquote(n.Value)
			if bad := technicalWords(s); len(bad) > 0 {
				t.Errorf("%s: message %q names %v", fset.Position(n.Pos()), s, bad)
			}
		case *ast.BinaryExpr:
			if n.Op != token.ADD {
				return true
			}
			l, lok := n.X.(*ast.BasicLit)
			r, rok := n.Y.(*ast.BasicLit)
			if lok && !rok && strings.HasSuffix(unquote(l.Value), " ") || rok && !lok && strings.HasPrefix(unquote(r.Value), " ") {
				t.Errorf("%s: a name glued into a message (%s)", fset.Position(n.Pos()), exprString(n))
			}
		}
		return true
	})
}

func unquote(s string) string { u, _ := strconv.Unquote(s); return u }

func exprString(x ast.Expr) string {
	var b strings.Builder
	ast.Inspect(x, func(n ast.Node) bool {
		if l, ok := n.(*ast.BasicLit); ok {
			b.WriteString(l.Value)
		} else if id, ok := n.(*ast.Ident); ok {
			b.WriteString("+" + id.Name + "+")
		}
		return true
	})
	return b.String()
}

func decodeBody(body string, v any) error { return decodeWith("application/json", body, v) }

func decodeWith(ct, body string, v any) error {
	c, _ := testContext("POST", ct, body, 1<<10)
	return decode(c, v)
}

func queryContext(q string) *gin.Context {
	c, _ := testContext("GET", "", "", 1)
	c.Request.URL.RawQuery = q
	return c
}
