#include "wm_test.h"
int main(void) { TEST_END(); }
