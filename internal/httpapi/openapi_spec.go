package httpapi

import (
	"embed"
	"fmt"
	"io/fs"
	"sort"
	"sync"

	"gopkg.in/yaml.v3"
)

// The OpenAPI document is openapi.yaml (info, shared components, the core
// routes) plus one fragment per feature in openapi/<feature>.yaml. A
// fragment holds only `paths:` and `components:` (schemas, responses,
// parameters); they are merged in file-name order. A path or component
// defined twice is an error, so features cannot silently overwrite each
// other.
//
//go:embed openapi.yaml openapi
var openAPIFiles embed.FS

var openAPIOnce = sync.OnceValues(buildOpenAPI)

// OpenAPISpec returns the OpenAPI document served at /api/openapi.yaml.
// It panics when the embedded files do not merge: a build-time defect that
// the test suite reports first.
func OpenAPISpec() []byte {
	b, err := openAPIOnce()
	if err != nil {
		panic(err)
	}
	return b
}

func buildOpenAPI() ([]byte, error) {
	root, err := readYAML("openapi.yaml")
	if err != nil {
		return nil, err
	}
	names, err := fs.Glob(openAPIFiles, "openapi/*.yaml")
	if err != nil {
		return nil, err
	}
	sort.Strings(names)
	for _, name := range names {
		frag, err := readYAML(name)
		if err != nil {
			return nil, err
		}
		for key, val := range frag {
			switch key {
			case "paths":
				if err := mergeInto(root, "paths", val, name); err != nil {
					return nil, err
				}
			case "components":
				comps, ok := val.(map[string]any)
				if !ok {
					return nil, fmt.Errorf("%s: components is not a map", name)
				}
				rc := sub(root, "components")
				for kind, defs := range comps {
					if err := mergeInto(rc, kind, defs, name); err != nil {
						return nil, err
					}
				}
			default:
				return nil, fmt.Errorf("%s: a fragment may hold only paths and components, not %q", name, key)
			}
		}
	}
	return yaml.Marshal(root)
}

func readYAML(name string) (map[string]any, error) {
	b, err := openAPIFiles.ReadFile(name)
	if err != nil {
		return nil, err
	}
	doc := map[string]any{}
	if err := yaml.Unmarshal(b, &doc); err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	return doc, nil
}

func sub(m map[string]any, key string) map[string]any {
	s, ok := m[key].(map[string]any)
	if !ok {
		s = map[string]any{}
		m[key] = s
	}
	return s
}

func mergeInto(parent map[string]any, key string, val any, file string) error {
	add, ok := val.(map[string]any)
	if !ok {
		return fmt.Errorf("%s: %s is not a map", file, key)
	}
	dst := sub(parent, key)
	for k, v := range add {
		if _, dup := dst[k]; dup {
			return fmt.Errorf("%s: %s %q is already defined", file, key, k)
		}
		dst[k] = v
	}
	return nil
}
