#include "core/batch/batchrecord.h"
