#include "core/batch/batchstats.h"
