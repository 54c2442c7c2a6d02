/**
 * Public surface of the spatial module: unit vectors, convex polygons, circles, boxes, the
 * Region union, the HTM pixelization and the screen of meeting bounding circles.
 */
export { angleBetween, cross, dot, fromRaDec, normalize, toRaDec, type Vector3 } from './vector3.js';
export { ConvexPolygon, CONVEX_POLYGON_TYPE_CODE } from './convex-polygon.js';
export { PackedPolygons } from './packed-polygons.js';
export { meetingCircles } from './circle-screen.js';
export { Circle } from './circle.js';
export { boxPolygon } from './box.js';
export { regionsOverlap, type Region } from './region.js';
export { HtmPixelization, type HtmRange } from './htm-pixelization.js';
export { InvalidRegionError, RegionDecodeError, SpatialArgumentError, SpatialError } from './errors.js';
