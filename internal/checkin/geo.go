package checkin

import "math"

const earthRadiusMeters = 6371008.8

// DistanceMeters is the great-circle distance between two points (haversine).
// The mini-program reports GCJ-02 coordinates (wx.getLocation type gcj02);
// activity places are picked on the same map, so both are in one datum.
func DistanceMeters(lat1, lng1, lat2, lng2 float64) float64 {
	rad := math.Pi / 180
	dLat := (lat2 - lat1) * rad
	dLng := (lng2 - lng1) * rad
	a := math.Sin(dLat/2)*math.Sin(dLat/2) + math.Cos(lat1*rad)*math.Cos(lat2*rad)*math.Sin(dLng/2)*math.Sin(dLng/2)
	return 2 * earthRadiusMeters * math.Asin(math.Min(1, math.Sqrt(a)))
}

// ValidCoordinates reports whether lat/lng are a point on Earth (and not the
// 0,0 a failed location lookup gives).
func ValidCoordinates(lat, lng float64) bool {
	if math.IsNaN(lat) || math.IsNaN(lng) || lat < -90 || lat > 90 || lng < -180 || lng > 180 {
		return false
	}
	return lat != 0 || lng != 0
}
