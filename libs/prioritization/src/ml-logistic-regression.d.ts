// ml-logistic-regression 2.x ships no types; this covers the part the trainer uses.
declare module 'ml-logistic-regression' {
  import type { Matrix } from 'ml-matrix';

  interface TwoClassJSON {
    numSteps: number;
    learningRate: number;
    weights: number[][] | null;
  }
  class LogisticRegressionTwoClasses {
    weights: Matrix | null;
    train(features: Matrix, target: Matrix): void;
    testScores(features: Matrix): number[];
  }
  class LogisticRegression {
    constructor(options?: { numSteps?: number; learningRate?: number });
    classifiers: LogisticRegressionTwoClasses[];
    train(X: Matrix, Y: Matrix): void;
    predict(X: Matrix): number[];
    static load(model: {
      name: 'LogisticRegression';
      numSteps: number;
      learningRate: number;
      numberClasses: number;
      classifiers: TwoClassJSON[];
    }): LogisticRegression;
  }
  export = LogisticRegression;
}
