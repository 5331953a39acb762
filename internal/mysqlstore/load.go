package mysqlstore

import (
	"context"
	"errors"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"gongjian/internal/errs"
)

// base is what every store holds: the database, read through g.
type base struct{ db *DB }

// g is the database for one request.
func (b base) g(ctx context.Context) *gorm.DB { return b.db.G.WithContext(ctx) }

// byID loads the row with primary key id as the value it stores; a missing
// row is notFound.
func byID[R, T any](q *gorm.DB, id int64, notFound *errs.Error, to func(R) T) (T, error) {
	return oneAs(func(r any) *gorm.DB { return q.First(r, id) }, notFound, to)
}

// firstAs reads the first row q finds (in primary key order) as its value;
// none is notFound.
func firstAs[R, T any](q *gorm.DB, notFound *errs.Error, to func(R) T) (T, error) {
	return oneAs(func(r any) *gorm.DB { return q.First(r) }, notFound, to)
}

// takeAs reads a row q finds (in no order) as its value; none is notFound.
func takeAs[R, T any](q *gorm.DB, notFound *errs.Error, to func(R) T) (T, error) {
	return oneAs(func(r any) *gorm.DB { return q.Take(r) }, notFound, to)
}

// oneAs reads one row into a new R and returns its value.
func oneAs[R, T any](read func(r any) *gorm.DB, notFound *errs.Error, to func(R) T) (T, error) {
	var r R
	if err := read(&r).Error; err != nil {
		var zero T
		return zero, translate(err, notFound)
	}
	return to(r), nil
}

// byIDFilled is byID for values completed from other tables: fill turns a
// batch of rows (here the one) into their values.
func byIDFilled[R, T any](ctx context.Context, q *gorm.DB, id int64, notFound *errs.Error, fill func(context.Context, []R) ([]T, error)) (T, error) {
	var zero T
	r, err := byID(q, id, notFound, func(r R) R { return r })
	if err != nil {
		return zero, err
	}
	out, err := fill(ctx, []R{r})
	if err != nil {
		return zero, err
	}
	return out[0], nil
}

// findAs reads the rows q finds as the values they store.
func findAs[R, T any](q *gorm.DB, to func(R) T) ([]T, error) {
	var rows []R
	if err := q.Find(&rows).Error; err != nil {
		return nil, translate(err, nil)
	}
	return convert(rows, to), nil
}

// scanAs reads the rows q scans (joined columns) as the values they store.
func scanAs[R, T any](q *gorm.DB, to func(R) T) ([]T, error) {
	var rows []R
	if err := q.Scan(&rows).Error; err != nil {
		return nil, translate(err, nil)
	}
	return convert(rows, to), nil
}

// createUnlessExists inserts r unless a row with one of its unique keys
// exists (that row stays as it is).
func createUnlessExists(q *gorm.DB, r any) *gorm.DB {
	return q.Clauses(clause.OnConflict{DoNothing: true}).Create(r)
}

// create inserts r and sets *v to the value it stores.
func create[R, T any](q *gorm.DB, r *R, v *T, to func(R) T) error {
	if err := q.Create(r).Error; err != nil {
		return translate(err, nil)
	}
	*v = to(*r)
	return nil
}

// fromStatus changes the row id of model if its status is still from (a
// conditional update: of two concurrent changes only one passes); a row
// not changed is done.
func fromStatus(q *gorm.DB, model any, id int64, from string, upd map[string]any, done error) error {
	res := q.Model(model).Where("id = ? AND status = ?", id, from).Updates(upd)
	if res.Error != nil {
		return res.Error
	}
	if res.RowsAffected == 0 {
		return done
	}
	return nil
}

// review is fromStatus inside tx telling a row not there (notFound) from
// one decided already (done).
func review(tx *gorm.DB, model any, id int64, from string, upd map[string]any, notFound, done error) error {
	fresh := func() *gorm.DB { return tx.Session(&gorm.Session{NewDB: true}) }
	if err := fromStatus(fresh(), model, id, from, upd, done); !errors.Is(err, done) {
		return err
	}
	var n int64
	if err := fresh().Model(model).Where("id = ?", id).Count(&n).Error; err != nil {
		return err
	}
	if n == 0 {
		return notFound
	}
	return done
}

// exists reports whether q finds a row.
func exists(q *gorm.DB) (bool, error) {
	var n int64
	err := q.Count(&n).Error
	return n > 0, translate(err, nil)
}

// joined turns rows into values completed by one lookup for the batch,
// keyed by one id of each row.
func joined[R, T, V any](ctx context.Context, rows []R, key func(R) int64, lookup func(context.Context, []int64) (map[int64]V, error), to func(R, V) T) ([]T, error) {
	ids := make([]int64, 0, len(rows))
	for _, r := range rows {
		ids = append(ids, key(r))
	}
	m, err := lookup(ctx, ids)
	if err != nil {
		return nil, err
	}
	out := make([]T, 0, len(rows))
	for _, r := range rows {
		out = append(out, to(r, m[key(r)]))
	}
	return out, nil
}

// namesByID maps the ids of rows of one table to their names, in one query
// (none for no ids): cols selects the columns name reads.
func namesByID[R any](q *gorm.DB, ids []int64, cols string, name func(R) (int64, string)) (map[int64]string, error) {
	out := map[int64]string{}
	if len(ids) == 0 {
		return out, nil
	}
	var rows []R
	if err := q.Select(cols).Where("id IN ?", ids).Find(&rows).Error; err != nil {
		return nil, translate(err, nil)
	}
	for _, r := range rows {
		id, n := name(r)
		out[id] = n
	}
	return out, nil
}

// orgNames maps organisation ids to names.
func orgNames(q *gorm.DB, ids []int64) (map[int64]string, error) {
	return namesByID(q, ids, "id, name", func(o organizationRow) (int64, string) { return o.ID, o.Name })
}

// userNames maps user ids to their real names (nicknames when none).
func userNames(q *gorm.DB, ids []int64) (map[int64]string, error) {
	return namesByID(q, ids, "id, nickname, real_name", func(u userRow) (int64, string) { return u.ID, userName(u.RealName, u.Nickname) })
}

// whereEq keeps the rows whose column col equals v, when v is set (not
// its type's zero value).
func whereEq[T comparable](q *gorm.DB, col string, v T) *gorm.DB {
	var zero T
	if v == zero {
		return q
	}
	return q.Where(col+" = ?", v)
}

// inScope keeps, unless all, the rows of a staff member's scope: those of
// the organisations or of the communities (an empty list matches none),
// named by the columns orgCol and communityCol.
func inScope(q *gorm.DB, orgCol, communityCol string, all bool, orgIDs, communityIDs []int64) *gorm.DB {
	if all {
		return q
	}
	return q.Where("("+orgCol+" IN ? OR "+communityCol+" IN ?)", append([]int64{-1}, orgIDs...), append([]int64{-1}, communityIDs...))
}

// activityScope keeps the activities of the communities or of the host
// organisations (neither: none).
func activityScope(q *gorm.DB, communities, orgs []int64) *gorm.DB {
	switch {
	case len(communities) > 0 && len(orgs) > 0:
		return q.Where("community_id IN ? OR host_org_id IN ?", communities, orgs)
	case len(communities) > 0:
		return q.Where("community_id IN ?", communities)
	case len(orgs) > 0:
		return q.Where("host_org_id IN ?", orgs)
	default:
		return q.Where("host_org_id IN ?", []int64{-1})
	}
}
