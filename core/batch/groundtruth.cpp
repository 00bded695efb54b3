#include "core/batch/groundtruth.h"
