// The helpers are inline, in the header; SwiftPM wants a source file per C target.
#include "EssaimCSupport.h"
